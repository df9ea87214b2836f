// Reference (de)quantizers of the GGUF block formats, bit-compatible with llama.cpp's
// quantize_row_*_ref / dequantize_row_* (ggml-quants.c). Flag-free code: no FMA contraction, so
// every float operation rounds exactly as in the reference C.
#pragma once
#include <cstdint>

namespace ryzen {

// k elements (a multiple of the block size) -> k / block blocks.
void quantize_row_q8_0(const float* x, uint8_t* y, int64_t k);
void quantize_row_q4_0(const float* x, uint8_t* y, int64_t k);
void quantize_row_q4_K(const float* x, uint8_t* y, int64_t k);
void quantize_row_q6_K(const float* x, uint8_t* y, int64_t k);

void dequantize_row_q8_0(const uint8_t* x, float* y, int64_t k);
void dequantize_row_q4_0(const uint8_t* x, float* y, int64_t k);
void dequantize_row_q4_K(const uint8_t* x, float* y, int64_t k);
void dequantize_row_q6_K(const uint8_t* x, float* y, int64_t k);

}  // namespace ryzen
