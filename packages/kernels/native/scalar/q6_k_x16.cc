// Q6_K on the x16 layout (formats/q6_k_x16.h), portable: the reference for the AVX-512 kernel (same
// operations in the same order, so the same bits) and what runs when x16 weights meet a narrower
// ISA. Per super-block and output, in integers: S = sum_g sc_g * (codes . activations of group g -
// 32 * activation sum of group g), exact in int32; then one fma with d times the activation scale.
#include <cmath>
#include <cstring>
#include "core/fp16.h"
#include "formats/q6_k_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace scalar {

void gemm_q6_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  const int64_t supers = q6kx16::supers(g.K);
  for (int64_t r = g.r0; r < g.r1; ++r) {
    const int64_t tile = r / q4x16::kTileRows;
    const int i = (int)(r % q4x16::kTileRows);
    const uint8_t* codes = q6kx16::kTiles.tile_codes(data, g.K, tile);
    const uint8_t* meta = q6kx16::kTiles.tile_meta(data, rows, g.K, tile);
    for (int64_t t = 0; t < g.n; ++t) {
      const uint8_t* row = g.acts + (size_t)t * g.act_row_bytes;
      const int8_t* a = a256_q(row);
      const int16_t* sums = a256_sum(row, g.K);
      float acc = 0.0f;
      for (int64_t B = 0; B < supers; ++B) {
        const uint8_t* m = meta + B * q6kx16::kMetaBytes;
        int32_t s = 0;
        for (int grp = 0; grp < 16; ++grp) {
          const uint8_t* piece = codes + B * q6kx16::kSuperCodeBytes + (grp / 2) * q6kx16::kPieceBytes;
          int32_t dot = 0;
          for (int col = 16 * (grp % 2); col < 16 * (grp % 2) + 16; ++col) {
            dot += q6kx16::code(piece, i, col) * a[B * 256 + 16 * grp + (col % 16)];
          }
          s += (int8_t)m[q6kx16::kScOffset + 16 * grp + i] * (dot - 32 * sums[B * 16 + grp]);
        }
        uint16_t d;
        std::memcpy(&d, m + 2 * i, 2);
        acc = std::fma((float)s, fp16_to_f32(d) * a256_d(row, g.K)[B], acc);
      }
      g.y[t * g.ldy + r] = acc;
    }
  }
}

}  // namespace scalar
}  // namespace ryzen
