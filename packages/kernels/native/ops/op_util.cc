#include "op_util.h"

namespace ryzen {

std::string shape_str(const Tensor& t) {
  std::string s = "[";
  for (int d = 0; d < t.n_dims; d++) s += (d ? ", " : "") + std::to_string(t.ne[d]);
  return s + "]";
}

std::string type_shape_str(const Tensor& t) {
  return std::string(dtype_traits((int32_t)t.type).name) + " " + shape_str(t);
}

std::string expect(const OpNode& node, size_t k, const char* name, DType type, int64_t cols, int64_t rows) {
  const Tensor& t = *node.t[k];
  const std::string who = "operand '" + std::string(name) + "' (t[" + std::to_string(k) + "])";
  // type problems -> INVALID_ARGUMENT, shape problems say "shape" -> SHAPE_MISMATCH
  if (t.type != type)
    return who + " must be " + dtype_traits((int32_t)type).name + ", got " + type_shape_str(t);
  if ((cols < 0 || t.ne[0] == cols) && (rows < 0 || t.rows() == rows)) return "";
  return who + " must have shape [" + (cols >= 0 ? std::to_string(cols) : std::string("*")) + ", " +
         (rows >= 0 ? std::to_string(rows) : std::string("*")) + "], got " + type_shape_str(t);
}

std::string expect_ids(const OpNode& node, size_t k, const char* name, int64_t n) {
  const Tensor& t = *node.t[k];
  const std::string who = "operand '" + std::string(name) + "' (t[" + std::to_string(k) + "])";
  if (t.type != DType::I32) return who + " must be i32, got " + type_shape_str(t);
  if (t.elements() != n)
    return who + " must have shape [" + std::to_string(n) + "] (one per token), got " + type_shape_str(t);
  return "";
}

std::string expect_arity(const OpNode& node, size_t min, size_t max, const char* names) {
  if (node.t.size() >= min && node.t.size() <= max) return "";
  const std::string n = min == max ? std::to_string(min) : std::to_string(min) + " or " + std::to_string(max);
  return "expects " + n + " tensor operands (" + names + "), got " + std::to_string(node.t.size());
}

std::string expect_params(const OpNode& node, size_t ni, size_t nf, const char* names) {
  if (node.i.size() >= ni && node.f.size() >= nf) return "";
  return "expects params " + std::string(names) + " (" + std::to_string(ni) + " integer, " + std::to_string(nf) +
         " float), got " + std::to_string(node.i.size()) + " integer and " + std::to_string(node.f.size()) + " float";
}

const OpsKernels& active_ops() {
  switch (active_isa()) {
    case Isa::Avx512: return avx512::ops_kernels();
    case Isa::Avx2: return avx2::ops_kernels();
    default: return scalar::ops_kernels();
  }
}

Slice split_rows_or_cols(int64_t rows, int64_t cols, int ith, int nth) {
  Slice s{0, rows, 0, cols};
  if (rows >= nth || cols < 64 * nth) {
    split_range(rows, ith, nth, 1, &s.r0, &s.r1);
  } else {
    split_range(cols, ith, nth, 16, &s.c0, &s.c1);
  }
  return s;
}

}  // namespace ryzen
