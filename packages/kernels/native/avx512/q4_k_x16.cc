// Q4_K on the x16 layout (formats/q4_k_x16.h) with AVX-512 VNNI. Codes feed vpdpbusd as in the
// Q4_0 x16 kernel (unsigned, no sign fix-up); each sub-block's int32 dots are scaled by its 16
// rows' sc with vpmulld into S1, the mins term S2 = sum_j m_j * asum_j takes four vpdpwssd per
// super-block (mins widened to int16 pairs, activation sub-block sums broadcast in pairs), and per
// super-block two fmas apply d * d_a and dmin * d_a: the scalar kernel's operations, in its order.
// Decode runs one tile at a time (two dependency chains); more tokens run 2 tiles x 4 tokens.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <cstring>
#include "avx512/x16_common.h"
#include "core/prefetch.h"
#include "formats/q4_k_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx512 {
namespace {

template <int NT, int T>
static void tiles_tokens(const uint8_t* data, int64_t rows, const GemmArgs& g, int64_t tile, int64_t t0) {
  const int64_t supers = q4kx16::supers(g.K);
  const ActRows<T, 256> acts(g, t0);
  const auto &q = acts.q, &d = acts.d, &s = acts.s;
  const uint8_t* codes[NT];
  const uint8_t* meta[NT];
  for (int p = 0; p < NT; ++p) {
    codes[p] = q4kx16::kTiles.tile_codes(data, g.K, tile + p);
    meta[p] = q4kx16::kTiles.tile_meta(data, rows, g.K, tile + p);
  }
  constexpr bool kTwoChains = T * NT == 1;
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  __m512 facc[T][NT];
  for (int t = 0; t < T; ++t)
    for (int p = 0; p < NT; ++p) facc[t][p] = _mm512_setzero_ps();
  for (int64_t B = 0; B < supers; ++B) {
    __m512i s1[T][NT];
    for (int t = 0; t < T; ++t)
      for (int p = 0; p < NT; ++p) s1[t][p] = _mm512_setzero_si512();
    for (int j = 0; j < 8; ++j) {
      const int64_t off = B * q4kx16::kSuperCodeBytes + 256 * j;
      if (T == 1)  // (prefetching in the first block of several tokens too was ~2 % slower here: compute-bound)
        for (int p = 0; p < NT; ++p) prefetch_aligned_piece_ahead<256>(codes[p] + off);
      __m512i acc[T][NT], acc_hi[T][NT];
      for (int t = 0; t < T; ++t)
        for (int p = 0; p < NT; ++p) acc[t][p] = acc_hi[t][p] = _mm512_setzero_si512();
      for (int L = 0; L < 4; ++L) {
        __m512i lo[NT], hi[NT];
        for (int p = 0; p < NT; ++p) {
          const __m512i v = _mm512_loadu_si512(codes[p] + off + 64 * L);
          lo[p] = _mm512_and_si512(v, m4);
          hi[p] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
        }
        for (int t = 0; t < T; ++t) {
          const int8_t* a = q[t] + B * 256 + 32 * j + 8 * L;
          const __m512i a0 = bcast4(a), a1 = bcast4(a + 4);
          for (int p = 0; p < NT; ++p) {
            acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], lo[p], a0);
            if (kTwoChains) acc_hi[t][p] = _mm512_dpbusd_epi32(acc_hi[t][p], hi[p], a1);
            else acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], hi[p], a1);
          }
        }
      }
      for (int p = 0; p < NT; ++p) {
        const __m512i sc = _mm512_cvtepu8_epi32(
            _mm_loadu_si128((const __m128i*)(meta[p] + B * q4kx16::kMetaBytes + q4kx16::kScOffset + 16 * j)));
        for (int t = 0; t < T; ++t) {
          const __m512i dot = kTwoChains ? _mm512_add_epi32(acc[t][p], acc_hi[t][p]) : acc[t][p];
          s1[t][p] = _mm512_add_epi32(s1[t][p], _mm512_mullo_epi32(dot, sc));
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      int32_t pairs[4];
      q4kx16::sub_sum_pairs(s[t] + B * 16, pairs);
      const __m512 da = _mm512_set1_ps(d[t][B]);
      for (int p = 0; p < NT; ++p) {
        const uint8_t* m = meta[p] + B * q4kx16::kMetaBytes;
        __m512i s2 = _mm512_setzero_si512();
        for (int k = 0; k < 4; ++k) {  // rows' (m_2k, m_2k+1) as int16 pairs against the sums' pair
          const __m512i lo = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)(m + q4kx16::kMinOffset + 32 * k)));
          const __m512i hi = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)(m + q4kx16::kMinOffset + 32 * k + 16)));
          s2 = _mm512_dpwssd_epi32(s2, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)), _mm512_set1_epi32(pairs[k]));
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)m));
        const __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(m + 32)));
        facc[t][p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s1[t][p]), _mm512_mul_ps(dw, da), facc[t][p]);
        facc[t][p] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(s2), _mm512_mul_ps(dmin, da), facc[t][p]);
      }
    }
  }
  for (int p = 0; p < NT; ++p)
    for (int t = 0; t < T; ++t) store_tile(g.y + (t0 + t) * g.ldy, tile + p, g.r1, facc[t][p]);
}

}  // namespace

void gemm_q4_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  run_tiles<4>([&](auto NT, auto T, int64_t tile, int64_t t0) { tiles_tokens<NT, T>(data, rows, g, tile, t0); }, g);
}

}  // namespace avx512
}  // namespace ryzen
