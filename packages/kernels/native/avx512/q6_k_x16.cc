// Q6_K on the x16 layout (formats/q6_k_x16.h) with AVX-512 VNNI. A 64-byte group of low nibbles
// and the matching 2-bit fields of a high-bits vector give two vpdpbusd operands of 16 rows x 4
// columns of unsigned 6-bit codes; per 16-column scale group the int32 dots lose 32 x the
// group's activation sum and take the rows' int8 sub-scales (vpmulld) into S, and per
// super-block one fma applies d * d_a: the scalar kernel's operations, in its order.
// Decode runs one tile at a time (two dependency chains); more tokens run 2 tiles x 4 tokens (the
// operand decoding shared by 4 tokens: 128-token GEMM 200 -> 250 GOPS at 1 thread, Xeon).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <cstring>
#include "avx512/x16_common.h"
#include "core/prefetch.h"
#include "formats/q6_k_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx512 {
namespace {

// The high 2 bits (as 0x30) of operand (L % 2, h) from its half's high-bits vector: field 2(L%2) + h.
template <int F>
static inline __m512i high_bits(__m512i hv, __m512i m30) {
  if (F == 0) return _mm512_and_si512(_mm512_slli_epi16(hv, 4), m30);
  if (F == 1) return _mm512_and_si512(_mm512_slli_epi16(hv, 2), m30);
  if (F == 2) return _mm512_and_si512(hv, m30);
  return _mm512_and_si512(_mm512_srli_epi16(hv, 2), m30);
}

template <int NT, int T>
static void tiles_tokens(const uint8_t* data, int64_t rows, const GemmArgs& g, int64_t tile, int64_t t0) {
  const int64_t supers = q6kx16::supers(g.K);
  const ActRows<T, 256> acts(g, t0);
  const auto &q = acts.q, &d = acts.d, &s = acts.s;
  const uint8_t* codes[NT];
  const uint8_t* meta[NT];
  for (int p = 0; p < NT; ++p) {
    codes[p] = q6kx16::kTiles.tile_codes(data, g.K, tile + p);
    meta[p] = q6kx16::kTiles.tile_meta(data, rows, g.K, tile + p);
  }
  constexpr bool kTwoChains = T * NT == 1;
  const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
  __m512 facc[T][NT];
  for (int t = 0; t < T; ++t)
    for (int p = 0; p < NT; ++p) facc[t][p] = _mm512_setzero_ps();
  for (int64_t B = 0; B < supers; ++B) {
    __m512i sacc[T][NT];
    for (int t = 0; t < T; ++t)
      for (int p = 0; p < NT; ++p) sacc[t][p] = _mm512_setzero_si512();
    for (int grp = 0; grp < 16; ++grp) {
      const int64_t off = B * q6kx16::kSuperCodeBytes + (grp / 2) * q6kx16::kPieceBytes;
      const int m = grp % 2;
      if ((T == 1 || t0 == 0) && m == 0)  // the first token block streams the tiles; the others find them in L2
        for (int p = 0; p < NT; ++p) prefetch_aligned_piece_ahead<q6kx16::kPieceBytes>(codes[p] + off);
      // the dots start centered: at -32 x the group's activation sum (the codes' +32)
      __m512i acc[T][NT], acc_hi[T][NT];
      for (int t = 0; t < T; ++t) {
        const __m512i start = _mm512_set1_epi32(-32 * s[t][B * 16 + grp]);
        for (int p = 0; p < NT; ++p) acc[t][p] = start, acc_hi[t][p] = _mm512_setzero_si512();
      }
      __m512i hv[NT];
      for (int p = 0; p < NT; ++p) hv[p] = _mm512_loadu_si512(codes[p] + off + 256 + 64 * m);
      for (int l2 = 0; l2 < 2; ++l2) {
        const int L = 2 * m + l2;
        __m512i lo[NT], hi[NT];
        for (int p = 0; p < NT; ++p) {
          const __m512i v = _mm512_loadu_si512(codes[p] + off + 64 * L);
          lo[p] = _mm512_or_si512(_mm512_and_si512(v, m4), l2 ? high_bits<2>(hv[p], m30) : high_bits<0>(hv[p], m30));
          hi[p] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(v, 4), m4),
                                  l2 ? high_bits<3>(hv[p], m30) : high_bits<1>(hv[p], m30));
        }
        for (int t = 0; t < T; ++t) {
          const int8_t* a = q[t] + B * 256 + 32 * (grp / 2) + 8 * L;
          const __m512i a0 = bcast4(a), a1 = bcast4(a + 4);
          for (int p = 0; p < NT; ++p) {
            acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], lo[p], a0);
            if (kTwoChains) acc_hi[t][p] = _mm512_dpbusd_epi32(acc_hi[t][p], hi[p], a1);
            else acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], hi[p], a1);
          }
        }
      }
      for (int p = 0; p < NT; ++p) {
        const __m512i sc = _mm512_cvtepi8_epi32(
            _mm_loadu_si128((const __m128i*)(meta[p] + B * q6kx16::kMetaBytes + q6kx16::kScOffset + 16 * grp)));
        for (int t = 0; t < T; ++t) {
          const __m512i centered = kTwoChains ? _mm512_add_epi32(acc[t][p], acc_hi[t][p]) : acc[t][p];
          sacc[t][p] = _mm512_add_epi32(sacc[t][p], _mm512_mullo_epi32(centered, sc));
        }
      }
    }
    for (int p = 0; p < NT; ++p) {
      const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(meta[p] + B * q6kx16::kMetaBytes)));
      for (int t = 0; t < T; ++t)
        facc[t][p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sacc[t][p]), _mm512_mul_ps(dw, _mm512_set1_ps(d[t][B])), facc[t][p]);
    }
  }
  for (int p = 0; p < NT; ++p)
    for (int t = 0; t < T; ++t) store_tile(g.y + (t0 + t) * g.ldy, tile + p, g.r1, facc[t][p]);
}

}  // namespace

void gemm_q6_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  run_tiles<4>([&](auto NT, auto T, int64_t tile, int64_t t0) { tiles_tokens<NT, T>(data, rows, g, tile, t0); }, g);
}

}  // namespace avx512
}  // namespace ryzen
