// Q4_K on the x16 layout (formats/q4_k_x16.h), portable: the reference for the AVX-512 kernel (same
// operations in the same order, so the same bits) and what runs when x16 weights meet a narrower
// ISA. Per super-block and output, in integers: S1 = sum_j sc_j * (codes . activations of
// sub-block j), S2 = sum_j m_j * (activation sum of sub-block j); then two fmas with d and dmin
// times the activation scale.
#include <cmath>
#include <cstring>
#include "core/fp16.h"
#include "formats/q4_k_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace scalar {

void gemm_q4_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  const int64_t supers = q4kx16::supers(g.K);
  for (int64_t r = g.r0; r < g.r1; ++r) {
    const int64_t tile = r / q4x16::kTileRows;
    const int i = (int)(r % q4x16::kTileRows);
    const uint8_t* codes = q4kx16::kTiles.tile_codes(data, g.K, tile);
    const uint8_t* meta = q4kx16::kTiles.tile_meta(data, rows, g.K, tile);
    for (int64_t t = 0; t < g.n; ++t) {
      const uint8_t* row = g.acts + (size_t)t * g.act_row_bytes;
      const int8_t* a = a256_q(row);
      const int16_t* sums = a256_sum(row, g.K);
      float acc = 0.0f;
      for (int64_t B = 0; B < supers; ++B) {
        const uint8_t* c = codes + B * q4kx16::kSuperCodeBytes;
        const uint8_t* m = meta + B * q4kx16::kMetaBytes;
        int32_t s1 = 0, s2 = 0;
        for (int j = 0; j < 8; ++j) {
          int32_t dot = 0;
          for (int col = 0; col < 32; ++col) {
            dot += q4x16::nibble(c + 256 * j, i, col) * a[B * 256 + 32 * j + col];
          }
          s1 += m[q4kx16::kScOffset + 16 * j + i] * dot;
          s2 += m[q4kx16::kMinOffset + 16 * j + i] * (sums[B * 16 + 2 * j] + sums[B * 16 + 2 * j + 1]);
        }
        uint16_t d, dmin;
        std::memcpy(&d, m + 2 * i, 2);
        std::memcpy(&dmin, m + 32 + 2 * i, 2);
        const float da = a256_d(row, g.K)[B];
        acc = std::fma((float)s1, fp16_to_f32(d) * da, acc);
        acc = std::fma(-(float)s2, fp16_to_f32(dmin) * da, acc);
      }
      g.y[t * g.ldy + r] = acc;
    }
  }
}

}  // namespace scalar
}  // namespace ryzen
