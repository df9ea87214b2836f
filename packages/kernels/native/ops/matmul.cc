// Generic matmul op: y[N, n] = x[K, n] . W[K, N]^T for any registered weight format.
// Phase 0 converts activations into the kernel's scratch format (split by token), phase 1
// computes output rows (split by row, in multiples of the kernel's row_multiple).
#include <memory>
#include <numeric>
#include <string>

#include "core/errors.h"
#include "core/matmul_op.h"
#include "core/plan.h"
#include "core/weights.h"

namespace ryzen {

namespace {

struct MatmulState {
  const MatmulKernel* kernel;
  std::shared_ptr<MatmulWeights> w;
  int64_t K, N, n;
  bool has_acts;
};

bool overlaps(const Tensor& a, size_t a_bytes, const Tensor& b, size_t b_bytes) {
  return a.data < b.data + b_bytes && b.data < a.data + a_bytes;
}

std::string validate_with(OpNode& node, const MatmulKernel* forced) {
  if (node.t.size() != 3) return "expects tensors [y, w, x]";
  Tensor &y = *node.t[0], &w = *node.t[1], &x = *node.t[2];
  if (y.type != DType::F32 || x.type != DType::F32) return "y and x must be f32";
  const int64_t K = w.ne[0], N = w.rows(), n = x.rows();
  if (x.ne[0] != K)
    return "shape mismatch: x has " + std::to_string(x.ne[0]) + " columns, w has K=" + std::to_string(K);
  if (y.ne[0] != N || y.rows() != n)
    return "shape mismatch: y must be [" + std::to_string(N) + ", " + std::to_string(n) + "], got [" +
           std::to_string(y.ne[0]) + ", " + std::to_string(y.rows()) + "]";
  const size_t ybytes = tensor_bytes(y);
  if (overlaps(y, ybytes, x, tensor_bytes(x)) || overlaps(y, ybytes, w, tensor_bytes(w)))
    return "y must not overlap x or w";
  const WeightFormat& f = require_weight_format(w.type);
  auto st = std::make_shared<MatmulState>();
  st->w = prepared_weights(w);
  st->kernel = forced ? forced : f.select(active_isa(), n, *st->w);
  if (!st->kernel) return std::string("no kernel for ") + dtype_traits((int32_t)w.type).name;
  st->K = K;
  st->N = N;
  st->n = n;
  st->has_acts = st->kernel->act_bytes && st->kernel->prepare_acts;
  node.scratch_bytes = st->has_acts ? st->kernel->act_bytes(K, n) : 0;
  node.state = st;
  return "";
}

std::string validate(OpNode& node) { return validate_with(node, nullptr); }

// Row ranges start at multiples of the kernel's row_multiple and, when there are enough rows,
// of 16 too, so that no two threads write the same 64-byte line of y.
int64_t split_multiple(const MatmulState& st, int nth) {
  const int64_t m = st.kernel->row_multiple > 0 ? st.kernel->row_multiple : 1;
  const int64_t aligned = m / std::gcd(m, int64_t(16)) * 16;
  return st.N >= aligned * nth * 4 ? aligned : m;
}

int phases(const OpNode& node) { return static_cast<const MatmulState*>(node.state.get())->has_acts ? 2 : 1; }

void run(const OpNode& node, int phase, int ith, int nth, uint8_t* scratch) {
  const MatmulState& st = *static_cast<const MatmulState*>(node.state.get());
  const float* x = node.t[2]->as<float>();
  if (st.has_acts && phase == 0) {
    int64_t t0, t1;
    split_range(st.n, ith, nth, 1, &t0, &t1);
    if (t0 < t1) st.kernel->prepare_acts(x, st.K, st.K, t0, t1, scratch);
    return;
  }
  int64_t r0, r1;
  split_range(st.N, ith, nth, split_multiple(st, nth), &r0, &r1);
  if (r0 < r1) st.kernel->compute(*st.w, scratch, x, st.K, st.n, node.t[0]->as<float>(), st.N, r0, r1);
}

// Profiler label: the activation conversion, or weight type, shape (K x N) and kernel.
void describe(const OpNode& node, int phase, std::string& label, uint64_t& bytes) {
  const MatmulState& st = *static_cast<const MatmulState*>(node.state.get());
  if (st.has_acts && phase == 0) {
    label = "matmul acts K=" + std::to_string(st.K);
    return;
  }
  label = std::string("matmul ") + dtype_traits((int32_t)st.w->type).name + " " + std::to_string(st.K) + "x" +
          std::to_string(st.N) + " " + st.kernel->name;
  bytes = st.w->bytes;
}

const RegisterOp reg({"matmul", validate, phases, run, nullptr, describe});

}  // namespace

std::vector<const MatmulKernel*> matmul_kernels(DType type, Isa isa) {
  std::vector<const MatmulKernel*> out;
  const WeightFormat* f = find_weight_format(type);
  if (!f || !f->kernels) return out;
  const MatmulKernel* buf[64];
  const int count = f->kernels(isa, buf, 64);
  for (int k = 0; k < count && k < 64; k++) out.push_back(buf[k]);
  return out;
}

const MatmulKernel* find_matmul_kernel(DType type, const std::string& name) {
  for (int isa = 0; isa <= (int)best_isa(); isa++)
    for (const MatmulKernel* k : matmul_kernels(type, (Isa)isa))
      if (name == k->name) return k;
  return nullptr;
}

void build_matmul_with(OpNode& node, const MatmulKernel* kernel) {
  node.def = find_op("matmul");
  std::string err;
  try {
    err = validate_with(node, kernel);
  } catch (const KernelException& e) {
    fail(e.code, std::string("matmul: ") + e.what());
  }
  if (!err.empty()) fail(validation_error_code(err), "matmul: " + err);
}

}  // namespace ryzen
