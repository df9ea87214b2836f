// Q4_0 and Q8_0 on their x16 layouts (formats/q4_0_x16.h, q8_0_x16.h), portable: the reference for
// the SIMD kernels, and what runs when x16 weights meet a narrower ISA (RYZEN_ISA / setIsa after
// prepare). Per block the same operations as the SIMD kernels, in the same order, so results
// match them bit for bit.
#include <cmath>
#include "core/fp16.h"
#include "formats/q8_0_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace scalar {
namespace {

// Unsigned codes (weight / d + offset) of a 32-column block, by layout.
struct Q4Codes {
  static constexpr q4x16::TileLayout kTiles = q4x16::kTiles;
  static constexpr int kOffset = 8;
  static int code(const uint8_t* blk, int i, int col) { return q4x16::nibble(blk, i, col); }
};
struct Q8Codes {
  static constexpr q4x16::TileLayout kTiles = q8x16::kTiles;
  static constexpr int kOffset = 128;
  static int code(const uint8_t* blk, int i, int col) { return q8x16::code(blk, i, col); }
};

template <class C>
void gemm(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  const int64_t blocks = g.K / 32;
  for (int64_t r = g.r0; r < g.r1; ++r) {
    const int64_t tile = r / q4x16::kTileRows;
    const int i = (int)(r % q4x16::kTileRows);
    const uint8_t* codes = C::kTiles.tile_codes(data, g.K, tile);
    const uint16_t* scales = q4x16::tile_scales(C::kTiles, data, rows, g.K, tile);
    for (int64_t t = 0; t < g.n; ++t) {
      const uint8_t* row = g.acts + (size_t)t * g.act_row_bytes;
      const int8_t* a = a32_q(row);
      float acc = 0.0f;
      for (int64_t b = 0; b < blocks; ++b) {
        int32_t s = 0;  // sum of code * activation, then the codes' offset removed: exact in int32
        for (int col = 0; col < 32; ++col) s += C::code(codes + b * C::kTiles.code, i, col) * a[b * 32 + col];
        s -= C::kOffset * a32_sum(row, g.K)[b];
        acc = std::fma((float)s, fp16_to_f32(scales[b * 16 + i]) * a32_d(row, g.K)[b], acc);
      }
      g.y[t * g.ldy + r] = acc;
    }
  }
}

}  // namespace

void gemm_q4_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) { gemm<Q4Codes>(data, rows, g); }
void gemm_q8_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) { gemm<Q8Codes>(data, rows, g); }

}  // namespace scalar
}  // namespace ryzen
