// Scalar matmul kernels for the float weight formats (F32, F16, BF16) with f32 activations, and
// the scalar kernel table. Any K (no block constraint).
#include "core/fp16.h"
#include "quant_kernels.h"

namespace ryzen {
namespace scalar {
namespace {

inline float w_f32(const uint8_t* w, int64_t k) { return ((const float*)w)[k]; }
inline float w_f16(const uint8_t* w, int64_t k) { return fp16_to_f32(((const uint16_t*)w)[k]); }
inline float w_bf16(const uint8_t* w, int64_t k) { return bf16_to_f32(((const uint16_t*)w)[k]); }

template <float (*Load)(const uint8_t*, int64_t)>
void gemm_float(const GemmArgs& g) {
  for (int64_t r = g.r0; r < g.r1; r++) {
    const uint8_t* w = g.w + r * g.w_row_bytes;
    for (int64_t t = 0; t < g.n; t++) {
      const float* x = g.x + t * g.ldx;
      // 4 partial sums: shorter dependency chains, and closer to what the SIMD kernels compute.
      float s[4] = {0, 0, 0, 0};
      int64_t k = 0;
      for (; k + 4 <= g.K; k += 4)
        for (int j = 0; j < 4; j++) s[j] += Load(w, k + j) * x[k + j];
      for (; k < g.K; k++) s[0] += Load(w, k) * x[k];
      g.y[t * g.ldy + r] = (s[0] + s[1]) + (s[2] + s[3]);
    }
  }
}

}  // namespace

const FormatKernels& format_kernels() {
  static const FormatKernels k = {gemm_float<w_f32>, gemm_float<w_f16>, gemm_float<w_bf16>,
                                  gemm_q8_0,         gemm_q4_0,         gemm_q4_K,
                                  gemm_q6_K,         quantize_acts_a32, quantize_acts_a256};
  return k;
}

}  // namespace scalar
}  // namespace ryzen
