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

std::string expect_no_overlap(const OpNode& node, size_t out, const char* out_name, size_t in, const char* in_name,
                              bool in_place_ok) {
  const Tensor &o = *node.t[out], &i = *node.t[in];
  const uint8_t *o0 = o.data, *o1 = o.data + o.rows() * o.nb[1];
  const uint8_t *i0 = i.data, *i1 = i.data + i.rows() * i.nb[1];
  if (o1 <= i0 || i1 <= o0) return "";
  if (in_place_ok && o0 == i0 && o1 == i1 && o.type == i.type) return "";
  return "operand '" + std::string(out_name) + "' (t[" + std::to_string(out) + "]) overlaps '" + in_name + "' (t[" +
         std::to_string(in) + "])" + (in_place_ok ? "; only exact in-place use is allowed" : "");
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
