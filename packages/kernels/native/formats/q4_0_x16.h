// Q4_0 "x16" engine layout, built at prepare() on AVX2 and AVX-512 CPUs: rows in tiles of 16,
// each 32-column block of a tile stored as 256 bytes of 4-bit codes, and the blocks' f16 scales
// (16 per tile and block) in an array after all the codes.
//
// Byte 4*i + j of 64-byte group L (0..3) of a block holds row i's unsigned codes (q = w/d + 8, as
// on disk) of columns 8L + j (low nibble) and 8L + 4 + j (high nibble): one mask, or one shift and
// a mask, turns a group into a vpdpbusd operand of 16 rows x 4 consecutive columns. Rows past the
// tensor's last row are zero codes with zero scales. Flag-free and intrinsic-free (see the ISA rule).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ryzen {

struct GemmArgs;

namespace q4x16 {

constexpr int kLayout = 0x40;           // MatmulWeights::layout of x16-packed Q4_0
constexpr int64_t kTileRows = 16;
constexpr int64_t kBlockCodeBytes = 256;  // 16 rows x 32 columns x 4 bits
constexpr int64_t kBlockScaleBytes = 32;  // 16 f16 scales

// `block` = code bytes per tile and block: 256 here, 512 for Q8_0 x16 (q8_0_x16.h), which shares
// the rest of this layout.
inline int64_t tiles(int64_t rows) { return (rows + kTileRows - 1) / kTileRows; }
inline size_t codes_bytes(int64_t rows, int64_t K, int64_t block = kBlockCodeBytes) {
  return (size_t)(tiles(rows) * (K / 32) * block);
}
inline size_t total_bytes(int64_t rows, int64_t K, int64_t block = kBlockCodeBytes) {
  return codes_bytes(rows, K, block) + (size_t)(tiles(rows) * (K / 32) * kBlockScaleBytes);
}
// Codes of `tile` (all its blocks, consecutive) and its scales (16 per block, consecutive).
inline const uint8_t* tile_codes(const uint8_t* data, int64_t K, int64_t tile, int64_t block = kBlockCodeBytes) {
  return data + (size_t)(tile * (K / 32) * block);
}
inline const uint16_t* tile_scales(const uint8_t* data, int64_t rows, int64_t K, int64_t tile,
                                   int64_t block = kBlockCodeBytes) {
  return reinterpret_cast<const uint16_t*>(data + codes_bytes(rows, K, block) +
                                           (size_t)(tile * (K / 32) * kBlockScaleBytes));
}

// Byte offset, inside a block, of row i's code for column c, and whether it is the high nibble.
inline int code_byte(int i, int c) { return 64 * (c / 8) + 4 * i + c % 4; }
inline bool code_high(int c) { return (c % 8) >= 4; }

}  // namespace q4x16

// The kernels: rows [g.r0, g.r1) (r0 a multiple of 16) of x16 weights `data` with `rows` rows,
// against A32 activations (g.w and g.w_row_bytes are unused).
#define RYZEN_Q4X16_GEMM(ns) \
  namespace ns {             \
  void gemm_q4_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g); \
  }
RYZEN_Q4X16_GEMM(scalar)
RYZEN_Q4X16_GEMM(avx2)
RYZEN_Q4X16_GEMM(avx512)
#undef RYZEN_Q4X16_GEMM

}  // namespace ryzen
