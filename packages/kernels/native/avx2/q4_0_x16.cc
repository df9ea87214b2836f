// Q4_0 on the x16 layout (formats/q4_0_x16.h) with AVX2: each 64-byte code group is two halves of
// 8 rows x 4 columns; vpmaddubsw multiplies the unsigned codes (0..15) by a token's broadcast
// activations (s8) into int16 pairs. A block's 16 products per int16 lane stay within
// 16 * 15 * 127 = 30480 < 2^15, so the whole block accumulates in int16 and one vpmaddwd widens
// it. Then, as on AVX-512: the codes' +8 comes off with the activation block sum and one fma
// applies d_w * d_a, so the bits equal the scalar and AVX-512 kernels'.
// Runs half tiles (8 rows) x up to 4 tokens (14 of the 16 ymm registers); decode whole tiles. The
// products go into their accumulators one by one (maddubs_acc): left to itself GCC 12 sums a
// block's 32 products per token as a tree and spills most of them.
#include <immintrin.h>
#include <cstring>
#include "avx2/maddubs_acc.h"
#include "avx2/x16_common.h"
#include "core/prefetch.h"
#include "formats/q4_0_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

// Rows 8h..8h+8H-1 of `tile` (H halves from h) for tokens [t0, t0 + T); rows stored below r1 only.
// Decode (T = 1) runs both halves in one pass: one stream over the tile's codes, each broadcast
// used twice.
template <int H, int T>
static void halves_tokens(const uint8_t* data, int64_t rows, const GemmArgs& g, int64_t tile, int h, int64_t t0) {
  const int64_t blocks = g.K / 32;
  const ActRows<T, 32> acts(g, t0);
  const auto &q = acts.q, &d = acts.d, &s = acts.s;
  const uint8_t* codes = q4x16::kTiles.tile_codes(data, g.K, tile) + 32 * h;
  const uint16_t* scales = q4x16::tile_scales(q4x16::kTiles, data, rows, g.K, tile) + 8 * h;
  const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  __m256 facc[T][H];
  for (int t = 0; t < T; ++t)
    for (int u = 0; u < H; ++u) facc[t][u] = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* c = codes + b * q4x16::kBlockCodeBytes;
    if (T == 1 || t0 == 0) prefetch_aligned_piece_ahead<q4x16::kBlockCodeBytes>(c);  // the first token block streams the tile
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
        const __m256i a0 = bcast4(q[t] + b * 32 + 8 * L), a1 = bcast4(q[t] + b * 32 + 8 * L + 4);
        for (int u = 0; u < H; ++u) {
          acc[t][u] = maddubs_acc(acc[t][u], lo[u], a0);
          acc[t][u] = maddubs_acc(acc[t][u], hi[u], a1);
        }
      }
    }
    for (int u = 0; u < H; ++u) {
      const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(scales + b * 16 + 8 * u)));
      for (int t = 0; t < T; ++t) {
        const __m256i sum = _mm256_sub_epi32(_mm256_madd_epi16(acc[t][u], ones), _mm256_set1_epi32(8 * s[t][b]));
        facc[t][u] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(dw, _mm256_set1_ps(d[t][b])), facc[t][u]);
      }
    }
  }
  for (int u = 0; u < H; ++u)
    for (int t = 0; t < T; ++t) store_half(g.y + (t0 + t) * g.ldy, tile, h + u, g.r1, facc[t][u]);
}

}  // namespace

void gemm_q4_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  run_halves<4>([&](auto H, auto T, int64_t tile, int h, int64_t t0) { halves_tokens<H, T>(data, rows, g, tile, h, t0); }, g);
}

}  // namespace avx2
}  // namespace ryzen
