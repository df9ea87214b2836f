// T2: the engine's 2-bit layout for ternary weights, used where multiply-add beats table lookup
// for every token count (AVX2 without AVX-512: T3's lookups need a transposition per step there,
// which left the AVX2 LUT GEMV compute-bound at ~1/3 of the read bandwidth).
//
//  * Row-major; each row is padded to whole 256-weight segments (padding codes mean w = 0).
//  * A segment is 64 bytes; byte b holds the codes w+1 (0..2) of weights 64l + b at bits
//    2l..2l+1 (l = 0..3), so one shift (or a mask alone) gives 64 codes in activation order for
//    AVX-512 (vpdpbusd, or an AMX A tile row), and each 32-byte half 32 of them for AVX2's
//    vpmaddubsw: activations are used as stored, with no reordering.
//  * Per-block scales (layout T3_BLOCK) follow the codes, 64-byte aligned, as float[rows][segments].
//
// Activations use the MAD record of t3.h (header, per-block sums, int8 values). The layout tags
// of t3.h say how scales apply; kLayoutT2 is or-ed in to mark T2 codes.
//
// Header-only and `static inline` so ISA translation units can use it (see the ISA rule).
#pragma once
#include <cstdint>
#include "ternary/t3.h"

namespace ryzen {
namespace t2 {

static const int kLayoutT2 = 4;  // or-ed into MatmulWeights::layout
static const int kSegBytes = 64;

static inline bool is_t2(int layout) { return (layout & kLayoutT2) != 0; }
static inline int scale_mode(int layout) { return layout & ~kLayoutT2; }  // t3::kLayoutUniform / kLayoutBlock

static inline int64_t row_bytes(int64_t K) { return t3::segments(K) * kSegBytes; }
static inline int64_t code_bytes(int64_t rows, int64_t K) { return rows * row_bytes(K); }
static inline int64_t scale_offset(int64_t rows, int64_t K) { return (code_bytes(rows, K) + 63) / 64 * 64; }

// Code (w+1) of weight k of a row.
static inline int code_at(const uint8_t* row, int64_t k) {
  const int64_t s = k / 256, j = k % 256;
  return (row[s * kSegBytes + j % 64] >> (2 * (j / 64))) & 3;
}

}  // namespace t2
}  // namespace ryzen
