// Q6_K on the x16 layout (formats/q6_k_x16.h) with AVX2, in half tiles of 8 rows as the other AVX2
// x16 kernels. vpmaddubsw pairs of 6-bit codes (<= 63) times activations (|a| <= 127) reach
// 16002, so two of them (one 64-byte group's low and high operands) still fit an int16 lane and
// a third would not: each group is widened with vpmaddwd before the next. Per 16-column scale
// group the int32 dots lose 32 x the group's activation sum and take the rows' int8 sub-scales
// (vpmulld); per super-block one fma applies d * d_a: the scalar kernel's operations in its
// order, so the same bits.
#include <immintrin.h>
#include <cstring>
#include "avx2/x16_common.h"
#include "core/prefetch.h"
#include "formats/q6_k_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

// The high 2 bits (as 0x30) of operand field F (0..3) of a half's high-bits vector (see the
// AVX-512 kernel).
template <int F>
static inline __m256i high_bits(__m256i hv, __m256i m30) {
  if (F == 0) return _mm256_and_si256(_mm256_slli_epi16(hv, 4), m30);
  if (F == 1) return _mm256_and_si256(_mm256_slli_epi16(hv, 2), m30);
  if (F == 2) return _mm256_and_si256(hv, m30);
  return _mm256_and_si256(_mm256_srli_epi16(hv, 2), m30);
}

// Rows 8h..8h+8H-1 of `tile` (H halves from h) for tokens [t0, t0 + T).
template <int H, int T>
static void halves_tokens(const uint8_t* data, int64_t rows, const GemmArgs& g, int64_t tile, int h, int64_t t0) {
  const int64_t supers = q6kx16::supers(g.K);
  const ActRows<T, 256> acts(g, t0);
  const auto &q = acts.q, &d = acts.d, &s = acts.s;
  const uint8_t* codes = q6kx16::kTiles.tile_codes(data, g.K, tile);
  const uint8_t* meta = q6kx16::kTiles.tile_meta(data, rows, g.K, tile);
  const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30), ones = _mm256_set1_epi16(1);
  __m256 facc[T][H];
  for (int t = 0; t < T; ++t)
    for (int u = 0; u < H; ++u) facc[t][u] = _mm256_setzero_ps();
  for (int64_t B = 0; B < supers; ++B) {
    const uint8_t* m = meta + B * q6kx16::kMetaBytes;
    __m256i sacc[T][H];
    for (int t = 0; t < T; ++t)
      for (int u = 0; u < H; ++u) sacc[t][u] = _mm256_setzero_si256();
    for (int grp = 0; grp < 16; ++grp) {
      const uint8_t* piece = codes + B * q6kx16::kSuperCodeBytes + (grp / 2) * q6kx16::kPieceBytes;
      const int half16 = grp % 2;  // which 16 columns of the piece
      if ((T == 1 || t0 == 0) && half16 == 0) prefetch_aligned_piece_ahead<q6kx16::kPieceBytes>(piece);  // the first token block streams the tile
      __m256i dot[T][H];  // starting centered: at -32 x the group's activation sum (the codes' +32)
      for (int t = 0; t < T; ++t) {
        const __m256i start = _mm256_set1_epi32(-32 * s[t][B * 16 + grp]);
        for (int u = 0; u < H; ++u) dot[t][u] = start;
      }
      __m256i hv[H];
      for (int u = 0; u < H; ++u) hv[u] = _mm256_loadu_si256((const __m256i*)(piece + 256 + 64 * half16 + 32 * (h + u)));
      for (int l2 = 0; l2 < 2; ++l2) {
        const int L = 2 * half16 + l2;
        __m256i lo[H], hi[H];
        for (int u = 0; u < H; ++u) {
          const __m256i v = _mm256_loadu_si256((const __m256i*)(piece + 64 * L + 32 * (h + u)));
          lo[u] = _mm256_or_si256(_mm256_and_si256(v, m4), l2 ? high_bits<2>(hv[u], m30) : high_bits<0>(hv[u], m30));
          hi[u] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4),
                                  l2 ? high_bits<3>(hv[u], m30) : high_bits<1>(hv[u], m30));
        }
        for (int t = 0; t < T; ++t) {
          const int8_t* a = q[t] + B * 256 + 32 * (grp / 2) + 8 * L;
          const __m256i a0 = bcast4(a), a1 = bcast4(a + 4);
          for (int u = 0; u < H; ++u) {
            const __m256i pair = _mm256_add_epi16(_mm256_maddubs_epi16(lo[u], a0), _mm256_maddubs_epi16(hi[u], a1));
            dot[t][u] = _mm256_add_epi32(dot[t][u], _mm256_madd_epi16(pair, ones));
          }
        }
      }
      for (int u = 0; u < H; ++u) {
        int64_t sc8;
        std::memcpy(&sc8, m + q6kx16::kScOffset + 16 * grp + 8 * (h + u), 8);
        const __m256i sc = _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(sc8));
        for (int t = 0; t < T; ++t) {
          sacc[t][u] = _mm256_add_epi32(sacc[t][u], _mm256_mullo_epi32(dot[t][u], sc));
        }
      }
    }
    for (int u = 0; u < H; ++u) {
      const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(m + 16 * (h + u))));
      for (int t = 0; t < T; ++t)
        facc[t][u] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sacc[t][u]), _mm256_mul_ps(dw, _mm256_set1_ps(d[t][B])), facc[t][u]);
    }
  }
  for (int u = 0; u < H; ++u)
    for (int t = 0; t < T; ++t) store_half(g.y + (t0 + t) * g.ldy, tile, h + u, g.r1, facc[t][u]);
}

}  // namespace

void gemm_q6_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  run_halves<4>([&](auto H, auto T, int64_t tile, int h, int64_t t0) { halves_tokens<H, T>(data, rows, g, tile, h, t0); }, g);
}

}  // namespace avx2
}  // namespace ryzen
