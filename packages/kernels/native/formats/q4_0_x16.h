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
#include "core/fp16.h"

namespace ryzen {

struct GemmArgs;

namespace q4x16 {

constexpr int kLayout = 0x40;           // MatmulWeights::layout of x16-packed Q4_0
constexpr int64_t kTileRows = 16;
constexpr int64_t kBlockCodeBytes = 256;  // 16 rows x 32 columns x 4 bits
constexpr int64_t kBlockScaleBytes = 32;  // 16 f16 scales

inline int64_t tiles(int64_t rows) { return (rows + kTileRows - 1) / kTileRows; }

// The tile arithmetic every x16 layout shares: per tile, columns in units of `unit` (32 for Q4_0
// and Q8_0, 256 for the K-quants), `code` bytes of codes per unit in one array and `meta` bytes
// of scales per unit in the array after it; a tile's units are consecutive in both.
struct TileLayout {
  int64_t unit, code, meta;
  size_t codes_bytes(int64_t rows, int64_t K) const { return (size_t)(tiles(rows) * (K / unit) * code); }
  size_t total_bytes(int64_t rows, int64_t K) const {
    return codes_bytes(rows, K) + (size_t)(tiles(rows) * (K / unit) * meta);
  }
  const uint8_t* tile_codes(const uint8_t* data, int64_t K, int64_t tile) const {
    return data + (size_t)(tile * (K / unit) * code);
  }
  const uint8_t* tile_meta(const uint8_t* data, int64_t rows, int64_t K, int64_t tile) const {
    return data + codes_bytes(rows, K) + (size_t)(tile * (K / unit) * meta);
  }
  uint8_t* tile_codes(uint8_t* data, int64_t K, int64_t tile) const {
    return const_cast<uint8_t*>(tile_codes(const_cast<const uint8_t*>(data), K, tile));
  }
  uint8_t* tile_meta(uint8_t* data, int64_t rows, int64_t K, int64_t tile) const {
    return const_cast<uint8_t*>(tile_meta(const_cast<const uint8_t*>(data), rows, K, tile));
  }
};

constexpr TileLayout kTiles{32, kBlockCodeBytes, kBlockScaleBytes};

// The f16 scales of `tile` (16 per block, consecutive) in a 32-column layout (Q4_0, Q8_0).
inline const uint16_t* tile_scales(const TileLayout& l, const uint8_t* data, int64_t rows, int64_t K, int64_t tile) {
  return reinterpret_cast<const uint16_t*>(l.tile_meta(data, rows, K, tile));
}

// Byte offset, inside a block, of row i's code for column c, and whether it is the high nibble.
inline int code_byte(int i, int c) { return 64 * (c / 8) + 4 * i + c % 4; }
inline bool code_high(int c) { return (c % 8) >= 4; }

// Row i's code for column c of a block.
inline int nibble(const uint8_t* blk, int i, int c) {
  const uint8_t v = blk[code_byte(i, c)];
  return code_high(c) ? v >> 4 : v & 15;
}

// Repacking: a block from the low 4 bits of 16 rows' codes (row i's columns at codes + i * stride),
// each byte written once.
inline void pack_block(const uint8_t* codes, int64_t stride, uint8_t* blk) {
  for (int L = 0; L < 4; ++L)
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 4; ++j) {
        const uint8_t* c = codes + i * stride + 8 * L + j;
        blk[64 * L + 4 * i + j] = (uint8_t)((c[0] & 15) | (c[4] & 15) << 4);
      }
}

// Row `row` of 32-column x16 weights as llama.cpp dequantizes them: (code - offset) * d, with
// Code reading a block's code for (row in tile, column).
template <int (*Code)(const uint8_t* blk, int i, int c)>
inline void dequantize_row(const TileLayout& l, int offset, const uint8_t* data, int64_t rows, int64_t K, int64_t row,
                           float* dst) {
  const int64_t tile = row / kTileRows;
  const int i = (int)(row % kTileRows);
  const uint8_t* codes = l.tile_codes(data, K, tile);
  const uint16_t* scales = tile_scales(l, data, rows, K, tile);
  for (int64_t b = 0; b < K / 32; ++b) {
    const float d = fp16_to_f32(scales[b * 16 + i]);
    for (int col = 0; col < 32; ++col) dst[b * 32 + col] = (Code(codes + b * l.code, i, col) - offset) * d;
  }
}

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
