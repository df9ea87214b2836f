// Q4_K "x16" engine layout, built at prepare() where AVX2 or AVX-512 is active: rows in tiles of 16;
// per tile and 256-column super-block, 2048 bytes of 4-bit codes (its 8 sub-blocks of 32 columns,
// each 256 bytes arranged as a Q4_0 x16 block: see q4_0_x16.h), and in a separate array 320 bytes
// of scales (2.8 % more than on disk, where they are packed in 6 bits):
//   [0, 32)    d    (f16) of the 16 rows
//   [32, 64)   dmin (f16) of the 16 rows
//   [64, 192)  sub-block scales sc: byte 64 + 16j + i = sc of row i, sub-block j (6-bit, u8)
//   [192, 320) sub-block mins m: byte 192 + 16j + i = m of row i, sub-block j (6-bit, u8)
// Weight = d*sc*q - dmin*m as on disk (q = 0..15 unsigned, no offset). Rows past the tensor's last
// row are zero. Flag-free and intrinsic-free (see the ISA rule).
#pragma once
#include <cstddef>
#include <cstdint>
#include "formats/q4_0_x16.h"

namespace ryzen {
namespace q4kx16 {

constexpr int kLayout = 0x41;
constexpr int64_t kSuperCodeBytes = 2048;
constexpr int64_t kMetaBytes = 320;
constexpr int64_t kScOffset = 64, kMinOffset = 192;

inline int64_t supers(int64_t K) { return K / 256; }
constexpr q4x16::TileLayout kTiles{256, kSuperCodeBytes, kMetaBytes};

// The four (asum_{2p}, asum_{2p+1}) int16 pairs of super-block B of a token, one vpdpwssd /
// vpmaddwd operand each against the mins pairs (sub-block sums from the A256 sums of 16;
// |asum| <= 32 * 127 fits int16).
inline void sub_sum_pairs(const int16_t* sums16, int32_t out[4]) {
  for (int p = 0; p < 4; ++p) {
    const int32_t a = sums16[4 * p] + sums16[4 * p + 1], b = sums16[4 * p + 2] + sums16[4 * p + 3];
    out[p] = (int32_t)(((uint32_t)(uint16_t)(int16_t)a) | ((uint32_t)(uint16_t)(int16_t)b << 16));
  }
}

}  // namespace q4kx16

// The kernels (A256 activations; g.w and g.w_row_bytes unused).
#define RYZEN_Q4KX16_GEMM(ns) \
  namespace ns {              \
  void gemm_q4_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g); \
  }
RYZEN_Q4KX16_GEMM(scalar)
RYZEN_Q4KX16_GEMM(avx2)
RYZEN_Q4KX16_GEMM(avx512)
#undef RYZEN_Q4KX16_GEMM

}  // namespace ryzen
