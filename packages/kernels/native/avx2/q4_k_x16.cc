// Q4_K on the x16 layout (formats/q4_k_x16.h) with AVX2, in half tiles of 8 rows as the Q4_0 AVX2
// kernel: vpmaddubsw multiplies a sub-block's unsigned codes by a token's broadcast activations
// and the sub-block's 16 products per int16 lane stay within 16 * 15 * 127 = 30480 < 2^15;
// vpmaddwd widens, vpmulld applies the rows' 6-bit scales into S1, four vpmaddwd per super-block
// form the mins term S2, and two fmas apply d * d_a and dmin * d_a: the scalar kernel's
// operations in its order, so the same bits. Decode runs whole tiles (both halves, one pass);
// more tokens run half tiles x 4 tokens.
#include <immintrin.h>
#include <cstring>
#include "avx2/maddubs_acc.h"
#include "avx2/x16_common.h"
#include "core/prefetch.h"
#include "formats/q4_k_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

// Rows 8h..8h+8H-1 of `tile` (H halves from h) for tokens [t0, t0 + T).
template <int H, int T>
static void halves_tokens(const uint8_t* data, int64_t rows, const GemmArgs& g, int64_t tile, int h, int64_t t0) {
  const int64_t supers = q4kx16::supers(g.K);
  const ActRows<T, 256> acts(g, t0);
  const auto &q = acts.q, &d = acts.d, &s = acts.s;
  const uint8_t* codes = q4kx16::kTiles.tile_codes(data, g.K, tile) + 32 * h;
  const uint8_t* meta = q4kx16::kTiles.tile_meta(data, rows, g.K, tile);
  const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  __m256 facc[T][H];
  for (int t = 0; t < T; ++t)
    for (int u = 0; u < H; ++u) facc[t][u] = _mm256_setzero_ps();
  for (int64_t B = 0; B < supers; ++B) {
    const uint8_t* m = meta + B * q4kx16::kMetaBytes;
    __m256i s1[T][H];
    for (int t = 0; t < T; ++t)
      for (int u = 0; u < H; ++u) s1[t][u] = _mm256_setzero_si256();
    for (int j = 0; j < 8; ++j) {
      const uint8_t* c = codes + B * q4kx16::kSuperCodeBytes + 256 * j;
      if (T == 1 || t0 == 0) prefetch_aligned_piece_ahead<256>(c);  // the first token block streams the tile
      __m256i acc[T][H];
      for (int t = 0; t < T; ++t)
        for (int u = 0; u < H; ++u) acc[t][u] = _mm256_setzero_si256();
      for (int L = 0; L < 4; ++L) {
        __m256i lo[H], hi[H];
        for (int u = 0; u < H; ++u) {
          const __m256i v = _mm256_loadu_si256((const __m256i*)(c + 64 * L + 32 * u));
          lo[u] = _mm256_and_si256(v, m4), hi[u] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
        }
        for (int t = 0; t < T; ++t) {
          const int8_t* a = q[t] + B * 256 + 32 * j + 8 * L;
          const __m256i a0 = bcast4(a), a1 = bcast4(a + 4);
          for (int u = 0; u < H; ++u) {
            acc[t][u] = maddubs_acc(acc[t][u], lo[u], a0);  // in place, as in the Q4_0 kernel
            acc[t][u] = maddubs_acc(acc[t][u], hi[u], a1);
          }
        }
      }
      for (int u = 0; u < H; ++u) {
        int64_t sc8;
        std::memcpy(&sc8, m + q4kx16::kScOffset + 16 * j + 8 * (h + u), 8);
        const __m256i sc = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(sc8));
        for (int t = 0; t < T; ++t)
          s1[t][u] = _mm256_add_epi32(s1[t][u], _mm256_mullo_epi32(_mm256_madd_epi16(acc[t][u], ones), sc));
      }
    }
    for (int t = 0; t < T; ++t) {
      int32_t pairs[4];
      q4kx16::sub_sum_pairs(s[t] + B * 16, pairs);
      const __m256 da = _mm256_set1_ps(d[t][B]);
      for (int u = 0; u < H; ++u) {
        const int hu = h + u;
        __m256i s2 = _mm256_setzero_si256();
        for (int k = 0; k < 4; ++k) {  // rows' (m_2k, m_2k+1) as int16 pairs against the sums' pair
          int64_t m0, m1;
          std::memcpy(&m0, m + q4kx16::kMinOffset + 32 * k + 8 * hu, 8);
          std::memcpy(&m1, m + q4kx16::kMinOffset + 32 * k + 16 + 8 * hu, 8);
          const __m256i lo = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(m0)), hi = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(m1));
          s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(_mm256_or_si256(lo, _mm256_slli_epi32(hi, 16)), _mm256_set1_epi32(pairs[k])));
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(m + 16 * hu)));
        const __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(m + 32 + 16 * hu)));
        facc[t][u] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1[t][u]), _mm256_mul_ps(dw, da), facc[t][u]);
        facc[t][u] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(s2), _mm256_mul_ps(dmin, da), facc[t][u]);
      }
    }
  }
  for (int u = 0; u < H; ++u)
    for (int t = 0; t < T; ++t) store_half(g.y + (t0 + t) * g.ldy, tile, h + u, g.r1, facc[t][u]);
}

}  // namespace

void gemm_q4_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  run_halves<4>([&](auto H, auto T, int64_t tile, int h, int64_t t0) { halves_tokens<H, T>(data, rows, g, tile, h, t0); }, g);
}

}  // namespace avx2
}  // namespace ryzen
