// Q6_K (256-element super-blocks, 6-bit codes - 32, 16 int8 sub-scales) weights (llama.cpp block layout, kept as is): integer matmul against A256-quantized
// activations, reference (de)quantization bit-compatible with ggml-quants.c.
#include "scalar/quant_format.h"
#include "scalar/quant_ref.h"

namespace ryzen {
namespace {

RYZEN_FORMAT_KERNELS("q6_K", ActKind::A256, q6_K)

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void> owner,
             MatmulWeights& out, std::string& err) {
  return prepare_alias(DType::Q6_K, src, src_bytes, rows, cols, std::move(owner), out, err);
}

void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  dequantize_blocks(dequantize_row_q6_K, 256, 210, src, src_bytes, first, count, dst);
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t row_bytes = cols / 256 * 210;
  for (int64_t r = 0; r < rows; r++) quantize_row_q6_K(src + r * cols, dst + r * row_bytes, cols);
}

const RegisterWeightFormat reg({DType::Q6_K, prepare, select_fn, kernels_fn, dequantize, quantize});

}  // namespace
}  // namespace ryzen
