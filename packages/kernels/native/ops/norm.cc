// "rms_norm": out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, t=[out, x, (weight[K])], f=[eps].
// The weight operand is optional (omit it for a plain RMS normalization). out may alias x.
//
// Fused forms, one pass over each row so the norm reads the row just written from L1 instead of
// a prefill's whole activation matrix again from L3; bit-identical to the separate ops (the same
// row kernels in the same order):
// "add_rms_norm": sum = a + b, out = rms_norm(sum) * weight, t=[sum, out, a, b, (weight)], f=[eps]
//   (a residual add and the next norm). sum may alias a or b; out aliases nothing.
// "gated_rms_norm": out = rms_norm(act(gate) * up) * weight, t=[out, gate, up, (weight)],
//   i=[act: 0 silu, 1 relu2], f=[eps] (the FFN activation and BitNet's sub-norm). out may alias
//   gate or up.
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

// Shared checks of the fused forms: inputs x1, x2 at t[in], t[in + 1] and the result rows at
// t[0..in) are [K, n] f32; the optional weight follows the inputs.
std::string validate_fused(OpNode& node, size_t in, const char* names, const char* x1, const char* x2, size_t ni,
                           const char* params) {
  std::string e = expect_arity(node, in + 2, in + 3, names);
  if (!e.empty()) return e;
  if (!(e = expect_params(node, ni, 1, params)).empty()) return e;
  if (!(e = expect(node, in, x1, DType::F32, -1, -1)).empty()) return e;
  const int64_t K = node.t[in]->ne[0], n = node.t[in]->rows();
  if (!(e = expect(node, in + 1, x2, DType::F32, K, n)).empty()) return e;
  const bool weighted = node.t.size() == in + 3;
  if (weighted && !(e = expect(node, in + 2, "weight", DType::F32, K, 1)).empty()) return e;
  if (!(node.f[0] >= 0.0) || !std::isfinite(node.f[0])) return "eps must be a finite number >= 0, got " + std::to_string(node.f[0]);
  return "";
}

std::string validate_add(OpNode& node) {
  std::string e = validate_fused(node, 2, "sum, out, a, b, weight", "a", "b", 0, "[eps]");
  if (!e.empty()) return e;
  const int64_t K = node.t[2]->ne[0], n = node.t[2]->rows();
  if (!(e = expect(node, 0, "sum", DType::F32, K, n)).empty()) return e;
  if (!(e = expect(node, 1, "out", DType::F32, K, n)).empty()) return e;
  const char* names[] = {"sum", "out", "a", "b", "weight"};
  for (size_t j = 1; j < node.t.size(); j++)
    if (!(e = expect_no_overlap(node, 0, "sum", j, names[j], j == 2 || j == 3)).empty()) return e;
  for (size_t j = 2; j < node.t.size(); j++)
    if (!(e = expect_no_overlap(node, 1, "out", j, names[j], false)).empty()) return e;
  return "";
}

void run_add(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Tensor &sum = *node.t[0], &out = *node.t[1], &a = *node.t[2], &b = *node.t[3];
  const float* w = node.t.size() == 5 ? (const float*)node.t[4]->data : nullptr;
  int64_t r0, r1;
  split_range(a.rows(), ith, nth, 1, &r0, &r1);
  const OpsKernels& k = active_ops();
  for (int64_t r = r0; r < r1; r++) {
    k.add(f32_row(sum, r), f32_row(a, r), f32_row(b, r), a.ne[0]);
    k.rms_norm(f32_row(out, r), f32_row(sum, r), w, a.ne[0], (float)node.f[0]);
  }
}

std::string validate_gated(OpNode& node) {
  std::string e = validate_fused(node, 1, "out, gate, up, weight", "gate", "up", 1, "i=[act], f=[eps]");
  if (!e.empty()) return e;
  if (node.i[0] != 0 && node.i[0] != 1) return "act must be 0 (silu) or 1 (relu2), got " + std::to_string(node.i[0]);
  if (!(e = expect(node, 0, "out", DType::F32, node.t[1]->ne[0], node.t[1]->rows())).empty()) return e;
  const char* names[] = {"out", "gate", "up", "weight"};
  for (size_t j = 1; j < node.t.size(); j++)
    if (!(e = expect_no_overlap(node, 0, "out", j, names[j], j < 3)).empty()) return e;
  return "";
}

void run_gated(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Tensor &out = *node.t[0], &gate = *node.t[1], &up = *node.t[2];
  const float* w = node.t.size() == 4 ? (const float*)node.t[3]->data : nullptr;
  int64_t r0, r1;
  split_range(gate.rows(), ith, nth, 1, &r0, &r1);
  const OpsKernels& k = active_ops();
  const auto act = node.i[0] == 1 ? k.relu2_mul : k.silu_mul;
  for (int64_t r = r0; r < r1; r++) {
    act(f32_row(out, r), f32_row(gate, r), f32_row(up, r), gate.ne[0]);
    k.rms_norm(f32_row(out, r), f32_row(out, r), w, gate.ne[0], (float)node.f[0]);
  }
}

const RegisterOp reg_add({"add_rms_norm", validate_add, phases, run_add});
const RegisterOp reg_gated({"gated_rms_norm", validate_gated, phases, run_gated});

}  // namespace
}  // namespace ryzen
