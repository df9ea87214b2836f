// Shared machinery of the ternary weight formats (TQ1_0, TQ2_0, I2_S): repacking into the T3 or
// T2 engine layout, activation preparation, and the kernel tables that select() chooses from.
#pragma once
#include <cstdint>
#include <string>
#include "core/matmul.h"

namespace ryzen {
namespace ternary {

// Decodes an on-disk tensor row by row.
struct Reader {
  const uint8_t* src;
  size_t src_bytes;
  int64_t rows, cols;
  // Row r: trits[cols] in {-1,0,1} and scales[segments] (one per 256 weights; per-tensor formats
  // repeat their scale). Returns false (with err) if a code is not ternary.
  bool (*row)(const Reader& rd, int64_t r, int8_t* trits, float* scales, std::string& err);
  bool per_tensor;     // one scale for the whole tensor (I2_S)
};

// Repack into the engine layout: T3, or T2 where AVX2 is the widest active ISA (or as
// RYZEN_TERNARY_LAYOUT says); uniform-scale when every non-zero block shares one scale.
bool pack_ternary(const Reader& rd, MatmulWeights& out, std::string& err);

// A llama.cpp ternary block format (TQ1_0, TQ2_0): 256 weights per block of `bytes`, decoded by
// `codes` into w+1 (0..2; 3 is invalid) in element order, with an f16 scale at byte `scale_at`.
struct BlockCodec {
  DType type;
  int64_t bytes, scale_at;
  void (*codes)(const uint8_t* block, uint8_t* out);
};

// Reader::row for a block format: trits and one scale per block; a code 3 is an error naming it.
bool read_block_row(const BlockCodec& c, const Reader& rd, int64_t r, int8_t* trits, float* scales, std::string& err);
// WeightFormat::dequantize for a block format (first and count are multiples of 256).
void dequantize_blocks(const BlockCodec& c, const uint8_t* src, int64_t first, int64_t count, float* dst);
// WeightFormat::prepare for a block format: check cols and the byte count, then repack.
bool prepare_block_format(const BlockCodec& c, decltype(Reader::row) row, const uint8_t* src, size_t src_bytes,
                          int64_t rows, int64_t cols, MatmulWeights& out, std::string& err);

// Kernel list / selection for one on-disk type (names like "tq2_0.lut.avx512").
const MatmulKernel* select_kernel(DType type, Isa isa, int64_t n_tokens, const MatmulWeights& w);
int list_kernels(DType type, Isa isa, const MatmulKernel** out, int max);

// Per-token activation quantization (BitNet b1.58 absmax): s = 127/max|x|,
// q = round-half-even(x*s) clamped to [-127,127]; returns 1/s (0 when x is all zero) and the sum of q.
float quantize_acts(const float* x, int64_t K, int8_t* q, int32_t* sum);

// Round half away from zero, as C's lroundf (llama.cpp's reference quantizers use it), for
// |v| < 2^31 without a libm call: the fraction v - trunc(v) is exact in float.
inline int round_away(float v) {
  int i = (int)v;
  const float frac = v - (float)i;
  if (frac >= 0.5f) ++i;
  else if (frac <= -0.5f) --i;
  return i;
}

// Round half to even (the default rounding mode, as nearbyint / cvtps2dq) for |v| < 2^22.
inline float round_even_small(float v) { return (v + 12582912.0f) - 12582912.0f; }

}  // namespace ternary
}  // namespace ryzen
