// Q8_0 "x16" engine layout, built at prepare() on AVX2 and AVX-512 CPUs: the Q4_0 x16 layout
// (q4_0_x16.h: 16-row tiles, per tile and 32-column block the codes, f16 scales after all codes)
// with 8-bit codes: 512 bytes per block, 64-byte vector v (0..7) = columns 4v..4v+3 of the 16 rows
// (byte 4i + j = row i, column 4v + j), each code stored + 128 (unsigned, for vpdpbusd; the AVX2
// kernel takes the sign back off, see avx2/q8_0_x16.cc).
#pragma once
#include "formats/q4_0_x16.h"

namespace ryzen {
namespace q8x16 {

constexpr int kLayout = 0x43;
constexpr int64_t kBlockCodeBytes = 512;

constexpr q4x16::TileLayout kTiles{32, kBlockCodeBytes, q4x16::kBlockScaleBytes};

// Byte offset, inside a block, of row i's code for column c.
inline int code_byte(int i, int c) { return 64 * (c / 4) + 4 * i + c % 4; }
inline int code(const uint8_t* blk, int i, int c) { return blk[code_byte(i, c)]; }

// Repacking: a block from 16 rows' codes (row i's 32 columns at codes + i * stride).
inline void pack_block(const uint8_t* codes, int64_t stride, uint8_t* blk) {
  for (int v = 0; v < 8; ++v)
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 4; ++j) blk[64 * v + 4 * i + j] = codes[i * stride + 4 * v + j];
}

}  // namespace q8x16

// The kernels (scalar and AVX-512 beside the Q4_0 x16 ones, in the same files).
namespace scalar {
void gemm_q8_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g);
}
namespace avx2 {  // avx2/q8_0_x16.cc
void gemm_q8_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g);
}
namespace avx512 {
void gemm_q8_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g);
}

}  // namespace ryzen
