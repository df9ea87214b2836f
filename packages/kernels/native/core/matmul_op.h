// Entry points of the generic "matmul" op (native/ops/matmul.cc) used by the JS API to list
// and force kernels.
#pragma once
#include <string>
#include <vector>

#include "matmul.h"
#include "op.h"

namespace ryzen {

// Kernels of `type`'s format on `isa` (empty if none registered); with `w`, only those that run
// on those prepared weights.
std::vector<const MatmulKernel*> matmul_kernels(DType type, Isa isa, const MatmulWeights* w = nullptr);
// Kernel named `name` among the kernels of `type` on any ISA the CPU has; nullptr if none.
const MatmulKernel* find_matmul_kernel(DType type, const std::string& name);
// Validates node (t = [y, w, x]) like the "matmul" op but with a forced kernel.
void build_matmul_with(OpNode& node, const MatmulKernel* kernel);

}  // namespace ryzen
