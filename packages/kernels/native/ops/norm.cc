// "rms_norm": out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, t=[out, x, (weight[K])], f=[eps].
// The weight operand is optional (omit it for a plain RMS normalization). out may alias x.
#include <cmath>
#include "op_util.h"

namespace ryzen {
namespace {

std::string validate(OpNode& node) {
  std::string e = expect_arity(node, 2, 3, "out, x, weight");
  if (!e.empty()) return e;
  if (!(e = expect_params(node, 0, 1, "[eps]")).empty()) return e;
  if (!(e = expect(node, 1, "x", DType::F32, -1, -1)).empty()) return e;
  const int64_t K = node.t[1]->ne[0];
  if (!(e = expect(node, 0, "out", DType::F32, K, node.t[1]->rows())).empty()) return e;
  if (node.t.size() == 3 && !(e = expect(node, 2, "weight", DType::F32, K, 1)).empty()) return e;
  if (!(e = expect_no_overlap(node, 0, "out", 1, "x", true)).empty()) return e;
  if (node.t.size() == 3 && !(e = expect_no_overlap(node, 0, "out", 2, "weight", false)).empty()) return e;
  if (!(node.f[0] >= 0.0) || !std::isfinite(node.f[0])) return "eps must be a finite number >= 0, got " + std::to_string(node.f[0]);
  return "";
}

int phases(const OpNode&) { return 1; }

void run(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Tensor &out = *node.t[0], &x = *node.t[1];
  const float* w = node.t.size() == 3 ? (const float*)node.t[2]->data : nullptr;
  int64_t r0, r1;
  split_range(x.rows(), ith, nth, 1, &r0, &r1);
  const OpsKernels& k = active_ops();
  for (int64_t r = r0; r < r1; r++) k.rms_norm(f32_row(out, r), f32_row(x, r), w, x.ne[0], (float)node.f[0]);
}

const RegisterOp reg({"rms_norm", validate, phases, run});

}  // namespace
}  // namespace ryzen
