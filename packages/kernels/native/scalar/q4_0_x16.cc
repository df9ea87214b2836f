// Q4_0 on the x16 layout (formats/q4_0_x16.h), portable: the reference for the AVX-512 kernel,
// and what runs when x16 weights meet a narrower ISA (RYZEN_ISA / setIsa after prepare).
// Per block the same operations as the AVX-512 kernel, in the same order, so results match it.
#include <cmath>
#include "core/fp16.h"
#include "formats/q4_0_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace scalar {

void gemm_q4_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  const int64_t blocks = g.K / 32;
  for (int64_t r = g.r0; r < g.r1; ++r) {
    const int64_t tile = r / q4x16::kTileRows;
    const int i = (int)(r % q4x16::kTileRows);
    const uint8_t* codes = q4x16::tile_codes(data, g.K, tile);
    const uint16_t* scales = q4x16::tile_scales(data, rows, g.K, tile);
    for (int64_t t = 0; t < g.n; ++t) {
      const uint8_t* row = g.acts + (size_t)t * g.act_row_bytes;
      const int8_t* a = a32_q(row);
      float acc = 0.0f;
      for (int64_t b = 0; b < blocks; ++b) {
        const uint8_t* c = codes + b * q4x16::kBlockCodeBytes;
        int32_t s = 0;  // sum of code * activation, then the codes' +8 removed: exact in int32
        for (int col = 0; col < 32; ++col) {
          const uint8_t v = c[q4x16::code_byte(i, col)];
          s += (q4x16::code_high(col) ? v >> 4 : v & 15) * a[b * 32 + col];
        }
        s -= 8 * a32_sum(row, g.K)[b];
        acc = std::fma((float)s, fp16_to_f32(scales[b * 16 + i]) * a32_d(row, g.K)[b], acc);
      }
      g.y[t * g.ldy + r] = acc;
    }
  }
}

}  // namespace scalar
}  // namespace ryzen
