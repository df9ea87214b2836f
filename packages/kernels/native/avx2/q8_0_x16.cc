// Q8_0 on its x16 layout (formats/q8_0_x16.h) with AVX2. vpmaddubsw multiplies unsigned by signed
// bytes into saturating int16 pair sums, and the layout's codes + 128 (up to 255) times activations
// up to 127 would saturate. So each 32-byte half vector goes back to signed codes q (xor 0x80) and
// takes the sign trick: |q| (as unsigned, up to 128) times the activations with q's signs gives
// pair sums of at most 2 * 128 * 127 = 32512, and vpmaddwd widens each pair sum to int32 before
// any two add up. A block's int32 sum is then exactly the AVX-512 kernel's (codes - 128) . x, and
// the same fma applies d_w * d_a, so the bits equal the scalar and AVX-512 kernels'.
// Decode runs whole tiles (one weight stream; each broadcast used by both halves); more tokens run
// half tiles (8 rows) x up to 4 tokens.
#include <immintrin.h>
#include "avx2/x16_common.h"
#include "core/prefetch.h"
#include "formats/q8_0_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

// acc += the int16 pair sums widened and added in pairs (vpmaddwd by ones, vpaddd). In asm so the
// sums go into the accumulator one by one: GCC 12 otherwise reassociates a block's 32 products
// per token into a tree, keeps them all live and spills most of them (a 128-token GEMM ran ~2x
// slower).
static inline __m256i widen_acc(__m256i acc, __m256i pairs, __m256i ones) {
  __m256i t;
  __asm__("vpmaddwd %2, %3, %1\n\tvpaddd %1, %0, %0" : "+x"(acc), "=&x"(t) : "x"(ones), "x"(pairs));
  return acc;
}

// Rows 8h..8h+8H-1 of `tile` (H halves from h) for tokens [t0, t0 + T); rows stored below r1 only.
template <int H, int T>
static void halves_tokens(const uint8_t* data, int64_t rows, const GemmArgs& g, int64_t tile, int h, int64_t t0) {
  const int64_t blocks = g.K / 32;
  const ActRows<T, 32> acts(g, t0);
  const auto &q = acts.q, &d = acts.d;
  const uint8_t* codes = q8x16::kTiles.tile_codes(data, g.K, tile) + 32 * h;
  const uint16_t* scales = q4x16::tile_scales(q8x16::kTiles, data, rows, g.K, tile) + 8 * h;
  const __m256i bias = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
  __m256 facc[T][H];
  for (int t = 0; t < T; ++t)
    for (int u = 0; u < H; ++u) facc[t][u] = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* c = codes + b * q8x16::kBlockCodeBytes;
    if (T == 1 || t0 == 0) prefetch_aligned_piece_ahead<q8x16::kBlockCodeBytes>(c);  // the first token block streams the tile
    __m256i acc[T][H];
    for (int t = 0; t < T; ++t)
      for (int u = 0; u < H; ++u) acc[t][u] = _mm256_setzero_si256();
    // 64-byte vector v: columns 4v..4v+3 of the 16 rows; half u = rows 8u..8u+7
    for (int v = 0; v < 8; ++v) {
      __m256i sq[H], mag[H];
      for (int u = 0; u < H; ++u) {
        sq[u] = _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(c + 64 * v + 32 * u)), bias);
        mag[u] = _mm256_abs_epi8(sq[u]);  // -128 stays 0x80: 128 as the unsigned operand
      }
      for (int t = 0; t < T; ++t) {
        const __m256i a = bcast4(q[t] + b * 32 + 4 * v);
        for (int u = 0; u < H; ++u) {
          const __m256i pairs = _mm256_maddubs_epi16(mag[u], _mm256_sign_epi8(a, sq[u]));
          acc[t][u] = widen_acc(acc[t][u], pairs, ones);
        }
      }
    }
    for (int u = 0; u < H; ++u) {
      const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(scales + b * 16 + 8 * u)));
      for (int t = 0; t < T; ++t)
        facc[t][u] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[t][u]), _mm256_mul_ps(dw, _mm256_set1_ps(d[t][b])), facc[t][u]);
    }
  }
  for (int u = 0; u < H; ++u)
    for (int t = 0; t < T; ++t) store_half(g.y + (t0 + t) * g.ldy, tile, h + u, g.r1, facc[t][u]);
}

}  // namespace

void gemm_q8_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  run_halves<4>([&](auto H, auto T, int64_t tile, int h, int64_t t0) { halves_tokens<H, T>(data, rows, g, tile, h, t0); }, g);
}

}  // namespace avx2
}  // namespace ryzen
