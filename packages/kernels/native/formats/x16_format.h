// Glue for weight formats with an "x16" engine layout (16-row tiles repacked at prepare(), see
// q4_0_x16.h and q4_k_x16.h) beside their on-disk block layout: layout choice, layout checks and
// the MatmulKernel adapter. Flag-free code only (format TUs).
#pragma once
#include <cstdlib>
#include <cstring>
#include "scalar/quant_format.h"

namespace ryzen {

// Kernel over x16 weights `data` (`rows` rows): rows [g.r0, g.r1), r0 a multiple of 16.
using X16Gemm = void (*)(const uint8_t* data, int64_t rows, const GemmArgs& g);

// Whether to repack into x16: `env` (e.g. RYZEN_Q4_0_LAYOUT) = "x16" or "gguf" forces the choice,
// otherwise whether `min_isa` or wider is active.
inline bool x16_chosen(const char* env, Isa min_isa) {
  if (const char* e = std::getenv(env)) {
    if (!std::strcmp(e, "x16")) return true;
    if (!std::strcmp(e, "gguf")) return false;
  }
  return (int)active_isa() >= (int)min_isa;
}

template <X16Gemm F, ActKind A>
void compute_x16(const MatmulWeights& w, const uint8_t* scratch, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy, int64_t r0, int64_t r1) {
  GemmArgs g{nullptr, 0, w.cols, scratch, act_row_bytes(A, w.cols), x, ldx, n, y, ldy, r0, r1};
  F(w.data, w.rows, g);
}

// `accepts` tells x16 weights (layout tag) from the block layout.
template <Isa I, X16Gemm F, ActKind A>
MatmulKernel x16_kernel(const char* name, bool (*accepts)(const MatmulWeights&), int64_t group_rows) {
  return MatmulKernel{name, 16, act_bytes_t<A>, prepare_acts_t<A, I>, compute_x16<F, A>, accepts, group_rows};
}

}  // namespace ryzen
