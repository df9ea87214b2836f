// AVX2 ternary multiply-add over the T2 layout (t2.h); results match scalar/ternary_t2.cc bit for
// bit (same integer sums, then the same float operations in the same order).
//
// R rows x T tokens at a time: per 32-weight slice, one shift and one mask turn each row's packed
// byte vector into 32 codes (w+1) in activation order, and vpmaddubsw (u8 codes x s8 activations,
// pair sums <= 2 x 2 x 127 = 508) accumulates into int16. Eight slices make a 256-weight segment
// (<= 4064 per lane), so int16 holds 8 segments (<= 32512) before widening to int32; with
// per-block scales every segment is widened and scaled on its own. The codes' +1 is removed with
// the activation sums (per token or per block).
//  * Decode (one token): 4 rows at a time.
//  * Several tokens: 2 rows x 4 tokens (then one block of the other 1-3), the activations as memory operands
//    (registers hold the 8 accumulators), so each unpacked slice feeds 4 vpmaddubsw (measured on
//    Zen 5 against 4 x 2, 3 x 4, 2 x 5, 2 x 6 and 1 x 8: +7 % over 4 x 2, the others slower).
//    Up to 4 tokens used to run the one-token loop per token: 2 / 4 tokens, 2560 x 6912 from
//    DRAM, 1 thread, Xeon: 473 / 870 us that way against 405 / 643 us in one block.
//  * Prefill with one tensor scale: ternary_t2_mad_compute (avx2/ternary_kernels.cc).
#include <immintrin.h>
#include <cstdint>
#include "avx2/maddubs_acc.h"
#include "core/prefetch.h"
#include "ternary/kernels.h"
#include "ternary/t2.h"
#include "ternary/token_blocks.h"

namespace ryzen {
namespace avx2 {
namespace {

static const int kSegsPerWiden = 8;
// From this many tokens with one tensor scale, prefill decodes 16-row tiles into the T3 MAD panel
// and runs its token loop (ternary_t2_mad_compute): 10-25 % faster than the loop below from 16
// tokens in alternating runs on Zen 5, ~10 % slower at 8.
static const int64_t kPanelFromTokens = 16;

static inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

struct Tokens {
  const int8_t* q;           // int8 activations (segments x 256)
  const int32_t* block_sum;  // per segment
  const t3::ActHeader* hdr;
};

static inline Tokens token(const t3::Args& a, int64_t t) {
  const uint8_t* r = a.acts + t * t3::mad_record_bytes(a.K);
  return {reinterpret_cast<const int8_t*>(r + 64 + t3::mad_sums_bytes(a.K)), reinterpret_cast<const int32_t*>(r + 64),
          reinterpret_cast<const t3::ActHeader*>(r)};
}

// Rows [r, r + R) for tokens [t0, t0 + T).
template <int R, int T>
static void rows_tokens(const t3::Args& a, int64_t r, int64_t t0) {
  const int64_t segs = t3::segments(a.K), rb = t2::row_bytes(a.K);
  const bool block = a.layout == t3::kLayoutBlock;
  const __m256i m3 = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
  const uint8_t* w = a.codes + r * rb;
  // Weights stream row block after row block: fetch the lines of the block ~9 KB ahead that sit
  // where this segment's are (decode-sized calls only; larger ones reuse a row block for every token block).
  const int64_t block_bytes = R * rb, ahead = (kPrefetchAheadBytes + block_bytes - 1) / block_bytes * block_bytes;
  const bool prefetch = a.n <= 4;
  Tokens tk[T];
  for (int t = 0; t < T; ++t) tk[t] = token(a, t0 + t);
  __m256i wide[R][T];  // one tensor scale: int32 sums
  float facc[R][T];    // per-block scales: scaled block sums
  for (int i = 0; i < R; ++i)
    for (int t = 0; t < T; ++t) wide[i][t] = _mm256_setzero_si256(), facc[i][t] = 0.0f;
  const int64_t pass = block ? 1 : kSegsPerWiden;  // segments per int16 pass
  for (int64_t s0 = 0; s0 < segs; s0 += pass) {
    const int64_t s1 = segs - s0 < pass ? segs : s0 + pass;
    __m256i acc[R][T];
    for (int i = 0; i < R; ++i)
      for (int t = 0; t < T; ++t) acc[i][t] = _mm256_setzero_si256();
    for (int64_t s = s0; s < s1; ++s) {
      if (prefetch)
        for (int i = 0; i < R; ++i) prefetch_aligned_lines<t2::kSegBytes / 64>(w + ahead + i * rb + s * t2::kSegBytes);
      for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 4; ++l) {
          const int64_t ko = s * 256 + 64 * l + 32 * h;
          // one token: its activations in a register, shared by the R rows
          const __m256i av = T == 1 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tk[0].q + ko)) : __m256i{};
          for (int i = 0; i < R; ++i) {
            const __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + i * rb + s * t2::kSegBytes + 32 * h));
            const __m256i c = _mm256_and_si256(l ? _mm256_srli_epi16(x, 2 * l) : x, m3);
            if (T == 1) acc[i][0] = maddubs_acc(acc[i][0], c, av);
            else
              for (int t = 0; t < T; ++t) acc[i][t] = maddubs_acc_mem(acc[i][t], c, tk[t].q + ko);
          }
        }
      }
    }
    for (int i = 0; i < R; ++i)
      for (int t = 0; t < T; ++t) {
        const __m256i v = _mm256_madd_epi16(acc[i][t], ones);
        if (!block) {
          wide[i][t] = _mm256_add_epi32(wide[i][t], v);
          continue;
        }
        const int32_t b = hsum(v) - tk[t].block_sum[s0];
        facc[i][t] += (float)b * a.block_scales[(r + i) * segs + s0];
      }
  }
  for (int i = 0; i < R; ++i)
    for (int t = 0; t < T; ++t) {
      const float inv = tk[t].hdr->inv_scale;
      float* y = a.y + (t0 + t) * a.ldy + r + i;
      *y = block ? facc[i][t] * inv : (float)(hsum(wide[i][t]) - tk[t].hdr->sum) * (a.scale * inv);
    }
}

// Rows [r, r + R) for all tokens, 4 at a time, then one block of the rest.
template <int R>
static void rows(const t3::Args& a, int64_t r) {
  t2::token_blocks_of_4(a.n, [&](auto T, int64_t t) { rows_tokens<R, T>(a, r, t); });
}

}  // namespace

void ternary_t2_compute(const t3::Args& a) {
  if (a.n >= kPanelFromTokens && a.layout == t3::kLayoutUniform) return ternary_t2_mad_compute(a);
  int64_t r = a.r0;
  if (a.n == 1)
    for (; r + 4 <= a.r1; r += 4) rows_tokens<4, 1>(a, r, 0);
  else
    for (; r + 2 <= a.r1; r += 2) rows<2>(a, r);
  for (; r < a.r1; ++r) rows<1>(a, r);
}

}  // namespace avx2
}  // namespace ryzen
