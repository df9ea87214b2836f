// F32 weights: matmul with f32 activations (FMA kernels on AVX2/AVX-512), element-wise (de)coding.
#include <cstring>
#include "core/fp16.h"
#include "scalar/quant_format.h"

namespace ryzen {
namespace {

RYZEN_FORMAT_KERNELS("f32", ActKind::F32, f32)

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void> owner,
             MatmulWeights& out, std::string& err) {
  return prepare_alias(DType::F32, src, src_bytes, rows, cols, std::move(owner), out, err);
}

void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  const int64_t esz = 4;
  const int64_t avail = (int64_t)(src_bytes / (size_t)esz);
  const int64_t ok = first >= avail ? 0 : (count < avail - first ? count : avail - first);
  for (int64_t i = 0; i < ok; i++) {
    std::memcpy(dst + i, src + (first + i) * 4, 4);
  }
  if (count > ok) std::memset(dst + ok, 0, (size_t)(count - ok) * sizeof(float));
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  for (int64_t i = 0; i < rows * cols; i++) {
    std::memcpy(dst + i * 4, src + i, 4);
  }
}

const RegisterWeightFormat reg({DType::F32, prepare, select_fn, kernels_fn, dequantize, quantize});

}  // namespace
}  // namespace ryzen
