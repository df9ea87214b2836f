// Element-wise ops on f32 activations: "add", "mul" (b may have a single row, broadcast to every
// row of a), "scale" (f=[s]), the activations "silu", "gelu", "relu2" (t=[out, x]) and the gated
// forms "silu_mul", "relu2_mul" (t=[out, gate, up]: act(gate) * up). out may alias an input.
#include "op_util.h"

namespace ryzen {
namespace {

using Binary = void (*)(float*, const float*, const float*, int64_t);
using Unary = void (*)(float*, const float*, int64_t);

// ---- two inputs: out = f(a, b) ----
std::string validate_binary(OpNode& node, const char* a_name, const char* b_name, bool broadcast) {
  std::string e = expect_arity(node, 3, 3, broadcast ? "out, a, b" : "out, gate, up");
  if (!e.empty()) return e;
  const Tensor& a = *node.t[1];
  const int64_t K = a.ne[0], n = a.rows();
  if (!(e = expect(node, 1, a_name, DType::F32, -1, -1)).empty()) return e;
  if (!(e = expect(node, 0, "out", DType::F32, K, n)).empty()) return e;
  const Tensor& b = *node.t[2];
  const bool bcast = broadcast && b.type == DType::F32 && b.ne[0] == K && b.rows() == 1;
  if (!bcast && !(e = expect(node, 2, b_name, DType::F32, K, n)).empty())
    return broadcast ? e + " (or a single row [" + std::to_string(K) + ", 1])" : e;
  if (!(e = expect_no_overlap(node, 0, "out", 1, a_name, true)).empty()) return e;
  return expect_no_overlap(node, 0, "out", 2, b_name, b.rows() == n);
}

void run_binary(const OpNode& node, int ith, int nth, Binary fn) {
  const Tensor &out = *node.t[0], &a = *node.t[1], &b = *node.t[2];
  const bool bcast = b.rows() == 1;
  const Slice s = split_rows_or_cols(a.rows(), a.ne[0], ith, nth);
  for (int64_t r = s.r0; r < s.r1; r++)
    fn(f32_row(out, r) + s.c0, f32_row(a, r) + s.c0, f32_row(b, bcast ? 0 : r) + s.c0, s.c1 - s.c0);
}

// ---- one input: out = f(x) ----
std::string validate_unary(OpNode& node) {
  std::string e = expect_arity(node, 2, 2, "out, x");
  if (!e.empty()) return e;
  if (!(e = expect(node, 1, "x", DType::F32, -1, -1)).empty()) return e;
  if (!(e = expect(node, 0, "out", DType::F32, node.t[1]->ne[0], node.t[1]->rows())).empty()) return e;
  return expect_no_overlap(node, 0, "out", 1, "x", true);
}

void run_unary(const OpNode& node, int ith, int nth, Unary fn) {
  const Tensor &out = *node.t[0], &x = *node.t[1];
  const Slice s = split_rows_or_cols(x.rows(), x.ne[0], ith, nth);
  for (int64_t r = s.r0; r < s.r1; r++) fn(f32_row(out, r) + s.c0, f32_row(x, r) + s.c0, s.c1 - s.c0);
}

int one_phase(const OpNode&) { return 1; }

std::string v_add(OpNode& n) { return validate_binary(n, "a", "b", true); }
std::string v_gated(OpNode& n) { return validate_binary(n, "gate", "up", false); }
std::string v_scale(OpNode& n) {
  std::string e = validate_unary(n);
  return e.empty() ? expect_params(n, 0, 1, "[s]") : e;
}

void r_add(const OpNode& n, int, int ith, int nth, uint8_t*) { run_binary(n, ith, nth, active_ops().add); }
void r_mul(const OpNode& n, int, int ith, int nth, uint8_t*) { run_binary(n, ith, nth, active_ops().mul); }
void r_silu_mul(const OpNode& n, int, int ith, int nth, uint8_t*) { run_binary(n, ith, nth, active_ops().silu_mul); }
void r_relu2_mul(const OpNode& n, int, int ith, int nth, uint8_t*) { run_binary(n, ith, nth, active_ops().relu2_mul); }
void r_silu(const OpNode& n, int, int ith, int nth, uint8_t*) { run_unary(n, ith, nth, active_ops().silu); }
void r_gelu(const OpNode& n, int, int ith, int nth, uint8_t*) { run_unary(n, ith, nth, active_ops().gelu); }
void r_relu2(const OpNode& n, int, int ith, int nth, uint8_t*) { run_unary(n, ith, nth, active_ops().relu2); }
void r_scale(const OpNode& n, int, int ith, int nth, uint8_t*) {
  const Tensor &out = *n.t[0], &x = *n.t[1];
  const float s = (float)n.f[0];
  const Slice sl = split_rows_or_cols(x.rows(), x.ne[0], ith, nth);
  for (int64_t r = sl.r0; r < sl.r1; r++)
    active_ops().scale(f32_row(out, r) + sl.c0, f32_row(x, r) + sl.c0, s, sl.c1 - sl.c0);
}

const RegisterOp reg_add({"add", v_add, one_phase, r_add});
const RegisterOp reg_mul({"mul", v_add, one_phase, r_mul});
const RegisterOp reg_scale({"scale", v_scale, one_phase, r_scale});
const RegisterOp reg_silu({"silu", validate_unary, one_phase, r_silu});
const RegisterOp reg_gelu({"gelu", validate_unary, one_phase, r_gelu});
const RegisterOp reg_relu2({"relu2", validate_unary, one_phase, r_relu2});
const RegisterOp reg_silu_mul({"silu_mul", v_gated, one_phase, r_silu_mul});
const RegisterOp reg_relu2_mul({"relu2_mul", v_gated, one_phase, r_relu2_mul});

}  // namespace
}  // namespace ryzen
