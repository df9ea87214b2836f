// 16-bit float weights, IEEE half (F16) and bfloat16 (BF16): matmul with f32 activations (FMA
// kernels on AVX2/AVX-512) and element-wise (de)coding. The two formats differ only in the
// 16-bit <-> f32 conversion, so one set of functions serves both.
#include <cstring>
#include "core/fp16.h"
#include "scalar/quant_format.h"

namespace ryzen {
namespace f16_format {
RYZEN_FORMAT_KERNELS("f16", ActKind::F32, f16)
}
namespace bf16_format {
RYZEN_FORMAT_KERNELS("bf16", ActKind::F32, bf16)
}

namespace {

template <DType type>
bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void> owner,
             MatmulWeights& out, std::string& err) {
  return prepare_alias(type, src, src_bytes, rows, cols, std::move(owner), out, err);
}

// Elements past the end of `src` decode as 0 (callers validate sizes; this keeps reads in bounds).
template <float (*to_f32)(uint16_t)>
void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  const int64_t avail = (int64_t)(src_bytes / 2);
  const int64_t ok = first >= avail ? 0 : (count < avail - first ? count : avail - first);
  for (int64_t i = 0; i < ok; i++) {
    uint16_t h;
    std::memcpy(&h, src + (first + i) * 2, 2);
    dst[i] = to_f32(h);
  }
  if (count > ok) std::memset(dst + ok, 0, (size_t)(count - ok) * sizeof(float));
}

template <uint16_t (*from_f32)(float)>
void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  for (int64_t i = 0; i < rows * cols; i++) {
    const uint16_t h = from_f32(src[i]);
    std::memcpy(dst + i * 2, &h, 2);
  }
}

const RegisterWeightFormat reg_f16({DType::F16, prepare<DType::F16>, f16_format::select_fn, f16_format::kernels_fn,
                                    dequantize<fp16_to_f32>, quantize<f32_to_fp16>});
const RegisterWeightFormat reg_bf16({DType::BF16, prepare<DType::BF16>, bf16_format::select_fn,
                                     bf16_format::kernels_fn, dequantize<bf16_to_f32>, quantize<f32_to_bf16>});

}  // namespace
}  // namespace ryzen
