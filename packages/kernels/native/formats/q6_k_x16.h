// Q6_K "x16" engine layout, built at prepare() where AVX2 or AVX-512 is active: rows in tiles of 16;
// per tile and 256-column super-block, 8 pieces of 384 bytes (one per 32 columns c) holding the
// unsigned 6-bit codes (q + 32 as on disk, 0..63), and in a separate array 288 bytes of scales.
// A piece:
//   [0, 256)    low 4 bits, arranged as a Q4_0 x16 block (q4_0_x16.h): group L (0..3) of 64 bytes,
//               byte 4i + j = row i's columns 8L + j (low nibble) and 8L + 4 + j (high nibble);
//   [256, 384)  high 2 bits, one 64-byte vector per half m (columns 16m..16m+15, one scale
//               group): byte 4i + j holds, from bit 0 up in pairs, the high bits of columns
//               16m + j, 16m + 4 + j, 16m + 8 + j, 16m + 12 + j (the operands of groups 2m, 2m+1).
// Scales: [0, 32) d (f16) of the 16 rows; [32, 288) int8 sub-scales, byte 32 + 16g + i = scale
// of row i, 16-column group g. Same bytes per weight as on disk (6.5625 bits). Rows past the
// tensor's last row are zero. Flag-free and intrinsic-free (see the ISA rule).
#pragma once
#include <cstddef>
#include <cstdint>
#include "formats/q4_0_x16.h"

namespace ryzen {
namespace q6kx16 {

constexpr int kLayout = 0x42;
constexpr int64_t kPieceBytes = 384, kSuperCodeBytes = 8 * kPieceBytes;
constexpr int64_t kMetaBytes = 288, kScOffset = 32;

inline int64_t supers(int64_t K) { return K / 256; }
constexpr q4x16::TileLayout kTiles{256, kSuperCodeBytes, kMetaBytes};

// Within a piece: the high-bits byte of row i, column col (0..31), and the bit position of its pair.
inline int high_byte(int i, int col) { return 256 + 64 * (col / 16) + 4 * i + col % 4; }
inline int high_shift(int col) { return 2 * ((col % 16) / 4); }

// Row i's 6-bit code (q + 32) for column col of a piece.
inline int code(const uint8_t* piece, int i, int col) {
  return q4x16::nibble(piece, i, col) | ((piece[high_byte(i, col)] >> high_shift(col)) & 3) << 4;
}

// Repacking: a piece from 16 rows' codes (row i's 32 columns at codes + i * stride), each byte
// written once.
inline void pack_piece(const uint8_t* codes, int64_t stride, uint8_t* piece) {
  q4x16::pack_block(codes, stride, piece);
  for (int m = 0; m < 2; ++m)
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 4; ++j) {
        const uint8_t* c = codes + i * stride + 16 * m + j;
        piece[256 + 64 * m + 4 * i + j] = (uint8_t)((c[0] >> 4) | (c[4] >> 4) << 2 | (c[8] >> 4) << 4 | (c[12] >> 4) << 6);
      }
}

}  // namespace q6kx16

// The kernels (A256 activations; g.w and g.w_row_bytes unused).
#define RYZEN_Q6KX16_GEMM(ns) \
  namespace ns {              \
  void gemm_q6_K_x16(const uint8_t* data, int64_t rows, const GemmArgs& g); \
  }
RYZEN_Q6KX16_GEMM(scalar)
RYZEN_Q6KX16_GEMM(avx2)
RYZEN_Q6KX16_GEMM(avx512)
#undef RYZEN_Q6KX16_GEMM

}  // namespace ryzen
