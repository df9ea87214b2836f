// AVX-512 VNNI ternary multiply-add over the T2 layout (t2.h), for decode and small batches;
// results match scalar/ternary_t2.cc bit for bit (same integer sums, then the same float
// operations in the same order).
//
// A row's 64-byte segment holds four 64-code vectors: bit pair l of byte b is the code of weight
// 64l + b, so code vector l meets its activations (the MAD record's, as stored) in one 64-byte load.
//  * Codes are taken in place with a mask (x & 3 << 2l = code x 4^l: codes are 0..2, so at most
//    128, a valid u8 operand of vpdpbusd), one accumulator per l and token; the sums, exact
//    multiples of 4^l, are shifted back when combined. One AND + one vpdpbusd per 64 weights:
//    the decode is cheap enough that the GEMV streams at the read bandwidth (the T3 LUT step is
//    bound by its one-port byte permutes on Intel).
//  * One token: 4 rows at a time. Several (small batches, up to kPanelFromTokens): with one
//    tensor scale, rows in pairs x 4 tokens with two accumulators per (row, token) and the
//    tokens' activations in registers (rows_tokens_pairs); with per-block scales, row by row, 4
//    tokens at a time (16 accumulators). Either way the rows stay in L1 after the first token
//    group's pass, which prefetches them.
// int32 lanes never overflow: a lane adds K / 64 products of at most 128 x 127, so |sum| <= 254 K
// (K <= 65536).
// GCC 12's intrinsics headers trip -Wmaybe-uninitialized on their own undefined() sources.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include "core/prefetch.h"
#include "ternary/kernels.h"
#include "ternary/t2.h"
#include "ternary/token_blocks.h"

namespace ryzen {
namespace avx512 {
namespace {

struct Token {
  const int8_t* q;           // int8 activations, per segment in [l][h][m] order
  const int32_t* block_sum;  // per segment
  const t3::ActHeader* hdr;
};

static inline Token token(const t3::Args& a, int64_t t) {
  const uint8_t* r = a.acts + t * t3::mad_record_bytes(a.K);
  return {reinterpret_cast<const int8_t*>(r + 64 + t3::mad_sums_bytes(a.K)), reinterpret_cast<const int32_t*>(r + 64),
          reinterpret_cast<const t3::ActHeader*>(r)};
}

// acc[l] holds 4^l x the sums of code vector l (masked codes) -> the plain sums.
static inline __m512i combine(const __m512i acc[4]) {
  return _mm512_add_epi32(_mm512_add_epi32(acc[0], _mm512_srai_epi32(acc[1], 2)),
                          _mm512_add_epi32(_mm512_srai_epi32(acc[2], 4), _mm512_srai_epi32(acc[3], 6)));
}

// From this many tokens, rows are decoded into the MAD panel for the VNNI token loop
// (ternary_t2_mad_compute; where AMX tiles are usable, prefill runs on them instead).
static const int64_t kPanelFromTokens = 16;

// Lane sums of a, b, c, d in lanes 0..3.
static inline __m128i reduce4(__m512i a, __m512i b, __m512i c, __m512i d) {
  const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));  // a b a b per 128-bit lane
  const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
  __m512i x = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));   // a b c d per lane
  x = _mm512_add_epi32(x, _mm512_shuffle_i32x4(x, x, _MM_SHUFFLE(1, 0, 3, 2)));
  x = _mm512_add_epi32(x, _mm512_shuffle_i32x4(x, x, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castsi512_si128(x);
}

// Rows [r, r + R) for tokens [t0, t0 + T): one accumulator per (row, token, bit pair).
template <int R, int T>
static void rows_tokens(const t3::Args& a, int64_t r, int64_t t0) {
  constexpr int L = 4;
  const int64_t segs = t3::segments(a.K), rb = t2::row_bytes(a.K);
  const bool block = a.layout == t3::kLayoutBlock;
  const uint8_t* w = a.codes + r * rb;
  // Weights stream row block after row block: fetch ~9 KB ahead the lines of the row block that
  // sit where this segment's are.
  const int64_t block_bytes = R * rb, ahead = (kPrefetchAheadBytes + block_bytes - 1) / block_bytes * block_bytes;
  const bool prefetch = t0 == 0;  // the first token group's pass streams the rows; later ones find them in L1
  Token tk[T];
  for (int t = 0; t < T; ++t) tk[t] = token(a, t0 + t);
  __m512i acc[R][T][L];
  float facc[R][T];  // per-block scales: scaled block sums
  for (int i = 0; i < R; ++i)
    for (int t = 0; t < T; ++t) {
      facc[i][t] = 0.0f;
      for (int l = 0; l < L; ++l) acc[i][t][l] = _mm512_setzero_si512();
    }
  // (not past the share: those lines are the other thread's, or nothing of this matmul; fetching
  // them made q/o decode at 2 threads ~3 % slower)
  const uint8_t* share_end = a.codes + a.r1 * rb;
  for (int64_t s = 0; s < segs; ++s) {
    if (prefetch)
      for (int i = 0; i < R; ++i) {
        const uint8_t* p = w + ahead + i * rb + s * t2::kSegBytes;
        if (p < share_end) prefetch_aligned_lines<t2::kSegBytes / 64>(p);
      }
    for (int i = 0; i < R; ++i) {
      const __m512i x = _mm512_load_si512(w + i * rb + s * t2::kSegBytes);
      for (int l = 0; l < 4; ++l) {
        const __m512i c = _mm512_and_si512(x, _mm512_set1_epi8((char)(3 << (2 * l))));
        for (int t = 0; t < T; ++t)
          acc[i][t][l] = _mm512_dpbusd_epi32(acc[i][t][l], c, _mm512_loadu_si512(tk[t].q + s * 256 + 64 * l));
      }
    }
    if (!block) continue;
    for (int i = 0; i < R; ++i)
      for (int t = 0; t < T; ++t) {
        const int32_t b = _mm512_reduce_add_epi32(combine(acc[i][t])) - tk[t].block_sum[s];
        facc[i][t] += (float)b * a.block_scales[(r + i) * segs + s];
        for (int l = 0; l < L; ++l) acc[i][t][l] = _mm512_setzero_si512();
      }
  }
  for (int t = 0; t < T; ++t) {
    const float inv = tk[t].hdr->inv_scale;
    float* y = a.y + (t0 + t) * a.ldy + r;
    if (block) {
      for (int i = 0; i < R; ++i) y[i] = facc[i][t] * inv;
      continue;
    }
    if constexpr (R == 4) {  // the 4 rows' sums in one reduction tree (integer: any order is exact)
      const __m128i sums = reduce4(combine(acc[0][t]), combine(acc[1][t]), combine(acc[2][t]), combine(acc[3][t]));
      const __m128 v = _mm_cvtepi32_ps(_mm_sub_epi32(sums, _mm_set1_epi32(tk[t].hdr->sum)));
      _mm_storeu_ps(y, _mm_mul_ps(v, _mm_set1_ps(a.scale * inv)));  // as the scalar form below, per row
      continue;
    }
    for (int i = 0; i < R; ++i) {
      const int32_t sum = _mm512_reduce_add_epi32(combine(acc[i][t]));
      y[i] = (float)(sum - tk[t].hdr->sum) * (a.scale * inv);
    }
  }
}

// acc += w . b (u8 x s8), in asm so that GCC 12 keeps the accumulators in registers and b in a
// register (with the intrinsic it spilled all 16 accumulators every segment and re-read b from
// memory for every row).
static inline __m512i dp_in_place(__m512i acc, __m512i w, __m512i b) {
  __asm__("vpdpbusd %1, %2, %0" : "+v"(acc) : "v"(b), "v"(w));
  return acc;
}

// Small batches with one tensor scale: R rows x T tokens, two accumulators per (row, token) so
// that T tokens' activations stay in registers for all R rows. Bit pairs 0 and 1 are masked in
// place (codes and 4 x codes), 2 and 3 after one shift of the bytes by 4 (again codes and 4 x
// codes): `even` sums pairs 0 and 2, `odd` 4 x pairs 1 and 3, exact multiples of 4 shifted back
// when combined. Per 64 weights and row one AND + T vpdpbusd, no activation reloads per row
// (the one-row loop above reloads T x 4 activation vectors per row and segment, load-bound).
template <int R, int T>
static void rows_tokens_pairs(const t3::Args& a, int64_t r, int64_t t0) {
  const int64_t segs = t3::segments(a.K), rb = t2::row_bytes(a.K);
  const uint8_t* w = a.codes + r * rb;
  const int64_t block_bytes = R * rb, ahead = (kPrefetchAheadBytes + block_bytes - 1) / block_bytes * block_bytes;
  const bool prefetch = t0 == 0;  // as in rows_tokens
  const uint8_t* share_end = a.codes + a.r1 * rb;
  const __m512i m3 = _mm512_set1_epi8(3), m12 = _mm512_set1_epi8(12);
  Token tk[T];
  for (int t = 0; t < T; ++t) tk[t] = token(a, t0 + t);
  __m512i even[R][T], odd[R][T];
  for (int i = 0; i < R; ++i)
    for (int t = 0; t < T; ++t) even[i][t] = odd[i][t] = _mm512_setzero_si512();
  for (int64_t s = 0; s < segs; ++s) {
    if (prefetch)
      for (int i = 0; i < R; ++i) {
        const uint8_t* p = w + ahead + i * rb + s * t2::kSegBytes;
        if (p < share_end) prefetch_aligned_lines<t2::kSegBytes / 64>(p);
      }
    __m512i x[R];
    for (int i = 0; i < R; ++i) x[i] = _mm512_load_si512(w + i * rb + s * t2::kSegBytes);
    for (int l = 0; l < 4; ++l) {
      if (l == 2)
        for (int i = 0; i < R; ++i) x[i] = _mm512_srli_epi16(x[i], 4);
      __m512i av[T];
      for (int t = 0; t < T; ++t) av[t] = _mm512_loadu_si512(tk[t].q + s * 256 + 64 * l);
      for (int i = 0; i < R; ++i) {
        const __m512i c = _mm512_and_si512(x[i], l % 2 ? m12 : m3);
        for (int t = 0; t < T; ++t) {
          __m512i& acc = l % 2 ? odd[i][t] : even[i][t];
          acc = dp_in_place(acc, c, av[t]);
        }
      }
    }
  }
  const auto combined = [&](int i, int t) { return _mm512_add_epi32(even[i][t], _mm512_srai_epi32(odd[i][t], 2)); };
  for (int i = 0; i < R; ++i) {
    int32_t sums[T];
    if constexpr (T == 4) {  // the 4 tokens' sums in one reduction tree (integer: any order is exact)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(sums), reduce4(combined(i, 0), combined(i, 1), combined(i, 2), combined(i, 3)));
    } else {
      for (int t = 0; t < T; ++t) sums[t] = _mm512_reduce_add_epi32(combined(i, t));
    }
    for (int t = 0; t < T; ++t)
      a.y[(t0 + t) * a.ldy + r + i] = (float)(sums[t] - tk[t].hdr->sum) * (a.scale * tk[t].hdr->inv_scale);
  }
}

// 2 to 15 tokens, one tensor scale: rows in pairs, tokens 4 at a time (the rows in L1 after the
// first group's pass); 2 tokens: 4 rows at a time. (2560 x 1024 from L2, 1 thread, Xeon: 2 / 4 /
// 8 tokens 29 / 50 / 95 us against 39 / 66 / 128 us row by row with 4 accumulators per token.)
static void small_batch(const t3::Args& a) {
  int64_t r = a.r0;
  if (a.n == 2) {
    for (; r + 4 <= a.r1; r += 4) rows_tokens_pairs<4, 2>(a, r, 0);
    for (; r < a.r1; ++r) rows_tokens_pairs<1, 2>(a, r, 0);
    return;
  }
  const auto tokens = [&](auto rows) {
    t2::token_blocks_of_4(a.n, [&](auto T, int64_t t) { rows_tokens_pairs<decltype(rows)::value, T>(a, r, t); });
  };
  for (; r + 2 <= a.r1; r += 2) tokens(std::integral_constant<int, 2>());
  for (; r < a.r1; ++r) tokens(std::integral_constant<int, 1>());
}

}  // namespace

void ternary_t2_compute(const t3::Args& a) {
  // (the panel kernels' per-block scales are T3's [tile][segment][16]: one tensor scale only)
  if (a.n >= kPanelFromTokens && a.layout == t3::kLayoutUniform) return ternary_t2_mad_compute(a);
  int64_t r = a.r0;
  if (a.n == 1) {
    for (; r + 4 <= a.r1; r += 4) rows_tokens<4, 1>(a, r, 0);
    for (; r < a.r1; ++r) rows_tokens<1, 1>(a, r, 0);
    return;
  }
  if (a.layout == t3::kLayoutUniform) return small_batch(a);
  // Small batches with per-block scales: row by row, tokens 4 at a time (16 accumulators), the
  // row in L1 after the first group's pass.
  for (; r < a.r1; ++r) {
    int64_t t = 0;
    for (; t + 4 <= a.n; t += 4) rows_tokens<1, 4>(a, r, t);
    switch (a.n - t) {
      case 3: rows_tokens<1, 3>(a, r, t); break;
      case 2: rows_tokens<1, 2>(a, r, t); break;
      case 1: rows_tokens<1, 1>(a, r, t); break;
      default: break;
    }
  }
}

}  // namespace avx512
}  // namespace ryzen
