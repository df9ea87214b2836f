// T2: the engine's 2-bit layout for ternary weights, used where multiply-add beats table lookup
// for every token count (AVX2 without AVX-512: T3's lookups need a transposition per step there,
// which left the AVX2 LUT GEMV compute-bound at ~1/3 of the read bandwidth).
//
//  * Row-major; each row is padded to whole 256-weight segments (padding codes mean w = 0).
//  * A segment is 64 bytes: two 32-byte halves; byte m of half h holds the codes w+1 (0..2) of
//    weights 128h + 32l + m at bits 2l..2l+1 (l = 0..3) -- TQ2_0's block layout without its scale,
//    so one shift and one mask give 32 codes in activation order for vpmaddubsw.
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
  const int64_t s = k / 256, j = k % 256, h = j / 128, l = (j % 128) / 32, m = j % 32;
  return (row[s * kSegBytes + h * 32 + m] >> (2 * l)) & 3;
}

}  // namespace t2
}  // namespace ryzen
