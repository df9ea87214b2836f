// Generic matmul op: y[N, n] = x[K, n] . W[K, N]^T for any registered weight format.
// Phase 0 converts activations into the kernel's scratch format (split by token), phase 1
// computes output rows (split by row, in multiples of the kernel's row_multiple). Up to
// kPrivateActsTokens tokens there is only the compute phase: each share converts for itself.
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/matmul_op.h"
#include "core/plan.h"
#include "core/prefetch.h"
#include "core/weights.h"

namespace ryzen {

namespace {

struct MatmulState {
  const MatmulKernel* kernel;
  std::shared_ptr<MatmulWeights> w;
  int64_t K, N, n;
  bool has_acts;
  bool private_acts;  // every share converts all tokens into its own scratch (see kPrivateActsTokens)
};

// Up to this many tokens (decode), each share converts the activations itself, in its private
// scratch, inside the one compute phase: the conversion is short (a few us for a LUT token) and
// splitting it costs more than it saves: a barrier per matmul, one idle thread, and the other
// threads reading the converted tables from the converting core's cache.
constexpr int64_t kPrivateActsTokens = 4;

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
  if (st->kernel->accepts && !st->kernel->accepts(*st->w))
    return std::string("kernel ") + st->kernel->name + " does not run on these weights (prepared in another layout)";
  st->K = K;
  st->N = N;
  st->n = n;
  st->has_acts = st->kernel->act_bytes && st->kernel->prepare_acts;
  st->private_acts = st->has_acts && n <= kPrivateActsTokens;
  const size_t acts = st->has_acts ? st->kernel->act_bytes(K, n) : 0;
  node.scratch_bytes = st->private_acts ? 0 : acts;
  node.scratch_per_thread = st->private_acts ? acts : 0;
  node.state = st;
  return "";
}

std::string validate(OpNode& node) { return validate_with(node, nullptr); }

// Row ranges start at multiples of the kernel's row_multiple and, when there are enough rows,
// of 16 too, so that no two threads write the same 64-byte line of y. Prefill shares take whole
// row groups of the kernel when every share gets one (k/v 2560x640 at 2 threads: 0.35 -> 0.30 ms).
int64_t split_multiple(const MatmulState& st, int nth) {
  const int64_t g = st.kernel->group_rows;
  if (st.n > kPrivateActsTokens && g > 0 && st.N >= g * nth) return g;
  const int64_t m = st.kernel->row_multiple > 0 ? st.kernel->row_multiple : 1;
  const int64_t aligned = m / std::gcd(m, int64_t(16)) * 16;
  return st.N >= aligned * nth * 4 ? aligned : m;
}

// Decode-sized matmuls stream their weights once. The kernels prefetch ~9 KB ahead of where they
// compute, so the first 9 KB of a share would arrive by demand misses alone: fetch them up front,
// overlapping that latency with the activation conversion (or the previous part's tail). Row r
// starts r/N of the way into row-major layouts; kernels whose layout differs say where
// (row_offset: T3 stores tiles in bands, chunk by chunk, so a share starting mid-band starts
// 17.6 KB before r/N for k/v's second thread; aiming there made k/v 2560x640 at 2 threads
// ~5 % faster, in-process A/B).
void prefetch_share_start(const MatmulState& st, int64_t r0, int64_t r1) {
  if (st.n > kPrivateActsTokens || r0 >= r1) return;
  const MatmulWeights& w = *st.w;
  const size_t share = w.bytes / (size_t)st.N * (size_t)(r1 - r0);
  const size_t start = st.kernel->row_offset ? st.kernel->row_offset(w, r0) : w.bytes / (size_t)st.N * (size_t)r0;
  prefetch_lines(w.data + start,
                 (int64_t)(share < (size_t)kPrefetchAheadBytes ? share : (size_t)kPrefetchAheadBytes));
}

// Output rows [r0, r1) of share ith of nth.
void share_rows(const MatmulState& st, int ith, int nth, int64_t* r0, int64_t* r1) {
  split_range(st.N, ith, nth, split_multiple(st, nth), r0, r1);
}

int phases(const OpNode& node) {
  const MatmulState& st = *static_cast<const MatmulState*>(node.state.get());
  return st.has_acts && !st.private_acts ? 2 : 1;
}

// Prefill-sized products are cut into kSharesPerThread shares per thread, so that when one core
// runs slower (busy with something else, or descheduled on a shared host) the other takes over
// more of the rows instead of waiting at the barrier with half the work done. Decode-sized ones
// keep one share per thread: each share streams its weights once, and a stream's ramp-up and
// its activation conversion (per share, in private scratch) are paid per share.
constexpr int kSharesPerThread = 4;

int compute_shares(int64_t n_tokens, bool compute_phase, int threads) {
  return threads > 1 && compute_phase && n_tokens > kPrivateActsTokens ? threads * kSharesPerThread : threads;
}

int shares(const OpNode& node, int phase, int threads) {
  const MatmulState& st = *static_cast<const MatmulState*>(node.state.get());
  return compute_shares(st.n, phase == phases(node) - 1, threads);
}

void run(const OpNode& node, int phase, int ith, int nth, uint8_t* scratch) {
  const MatmulState& st = *static_cast<const MatmulState*>(node.state.get());
  const float* x = node.t[2]->as<float>();
  if (st.has_acts && !st.private_acts && phase == 0) {
    int64_t t0, t1;
    split_range(st.n, ith, nth, st.kernel->token_multiple, &t0, &t1);
    if (t0 < t1) st.kernel->prepare_acts(x, st.K, st.K, t0, t1, scratch);
    return;
  }
  int64_t r0, r1;
  share_rows(st, ith, nth, &r0, &r1);
  if (r0 >= r1) return;
  prefetch_share_start(st, r0, r1);
  if (st.private_acts) {
    scratch = thread_scratch(node, scratch);
    st.kernel->prepare_acts(x, st.K, st.K, 0, st.n, scratch);
  }
  st.kernel->compute(*st.w, scratch, x, st.K, st.n, node.t[0]->as<float>(), st.N, r0, r1);
}

// Profiler label: the activation conversion, or weight type, shape (K x N) and kernel.
void describe(const OpNode& node, int phase, std::string& label, uint64_t& bytes) {
  const MatmulState& st = *static_cast<const MatmulState*>(node.state.get());
  if (st.has_acts && !st.private_acts && phase == 0) {
    label = "matmul acts K=" + std::to_string(st.K);
    return;
  }
  label = std::string("matmul ") + dtype_traits((int32_t)st.w->type).name + " " + std::to_string(st.K) + "x" +
          std::to_string(st.N) + " " + st.kernel->name;
  bytes = st.w->bytes;
}

// A decode share's first weights (see prefetch_share_start), for share ith of nth.
void prefetch_share(const MatmulState& st, int ith, int nth) {
  int64_t r0, r1;
  share_rows(st, ith, nth, &r0, &r1);
  prefetch_share_start(st, r0, r1);
}

// The prefetch hook: a share waiting for the previous op fetches its first weights meanwhile.
void prefetch(const OpNode& node, int phase, int ith, int nth) {
  if (phase == phases(node) - 1) prefetch_share(*static_cast<const MatmulState*>(node.state.get()), ith, nth);
}

const RegisterOp reg({"matmul", validate, phases, run, nullptr, describe, shares, prefetch});

// ---- matmul_multi: several weights over one input ----
// t = [y0, w0, y1, w1, ..., x]: y_j = x . W_j^T, as separate "matmul" nodes would compute them
// (same kernels, same activation conversion, so bit-identical), but activations are converted
// once per distinct conversion and all products share one compute phase: a transformer layer's
// q/k/v or gate/up projections cost two barriers instead of two per weight.
struct MultiState {
  std::vector<MatmulState> parts;
  std::vector<size_t> act_off;   // scratch offset of part j's converted activations
  std::vector<bool> converts;    // part j converts (the first part with its conversion)
  bool has_acts = false;
  bool private_acts = false;     // as MatmulState::private_acts (all parts see the same tokens)
};

std::string validate_multi(OpNode& node) {
  const size_t nt = node.t.size();
  if (nt < 3 || nt % 2 != 1) return "expects tensors [y0, w0, y1, w1, ..., x]";
  auto st = std::make_shared<MultiState>();
  size_t scratch = 0;
  for (size_t j = 0; j + 1 < nt; j += 2) {
    OpNode one;
    one.t = {node.t[j], node.t[j + 1], node.t[nt - 1]};
    std::string err = validate_with(one, nullptr);
    if (!err.empty()) return "weight " + std::to_string(j / 2) + ": " + err;
    const MatmulState& part = *static_cast<const MatmulState*>(one.state.get());
    for (size_t i = 0; i < j; i += 2) {
      const Tensor& a = *node.t[i];
      const Tensor& b = *node.t[j];
      if (overlaps(a, tensor_bytes(a), b, tensor_bytes(b)))
        return "outputs y" + std::to_string(i / 2) + " and y" + std::to_string(j / 2) + " overlap";
    }
    size_t off = scratch;
    bool converts = part.has_acts;
    for (size_t i = 0; i < st->parts.size() && converts; i++) {
      const MatmulKernel& k = *st->parts[i].kernel;
      if (st->parts[i].has_acts && k.prepare_acts == part.kernel->prepare_acts && k.act_bytes == part.kernel->act_bytes) {
        off = st->act_off[i];
        converts = false;
      }
    }
    if (converts) scratch += scratch_align(one.scratch_bytes + one.scratch_per_thread);
    st->parts.push_back(part);
    st->act_off.push_back(off);
    st->converts.push_back(converts);
    st->has_acts |= part.has_acts;
    st->private_acts |= part.private_acts;
  }
  (st->private_acts ? node.scratch_per_thread : node.scratch_bytes) = scratch;
  node.state = st;
  return "";
}

int phases_multi(const OpNode& node) {
  const MultiState& st = *static_cast<const MultiState*>(node.state.get());
  return st.has_acts && !st.private_acts ? 2 : 1;
}

// Converts share ith's tokens (all of them with private activations) for every distinct conversion.
void convert_multi(const MultiState& st, const float* x, int ith, int nth, uint8_t* scratch) {
  for (size_t j = 0; j < st.parts.size(); j++) {
    if (!st.converts[j]) continue;
    const MatmulState& p = st.parts[j];
    int64_t t0 = 0, t1 = p.n;
    if (!st.private_acts) split_range(p.n, ith, nth, p.kernel->token_multiple, &t0, &t1);
    if (t0 < t1) p.kernel->prepare_acts(x, p.K, p.K, t0, t1, scratch + st.act_off[j]);
  }
}

void run_multi(const OpNode& node, int phase, int ith, int nth, uint8_t* scratch) {
  const MultiState& st = *static_cast<const MultiState*>(node.state.get());
  const float* x = node.t.back()->as<float>();
  if (st.private_acts) {
    prefetch_share(st.parts[0], ith, nth);
    scratch = thread_scratch(node, scratch);
    convert_multi(st, x, ith, nth, scratch);
  } else if (st.has_acts && phase == 0) {
    convert_multi(st, x, ith, nth, scratch);
    return;
  }
  for (size_t j = 0; j < st.parts.size(); j++) {
    const MatmulState& p = st.parts[j];
    int64_t r0, r1;
    share_rows(p, ith, nth, &r0, &r1);
    if (j > 0) prefetch_share_start(p, r0, r1);
    if (r0 < r1)
      p.kernel->compute(*p.w, scratch + st.act_off[j], x, p.K, p.n, node.t[2 * j]->as<float>(), p.N, r0, r1);
  }
}

int shares_multi(const OpNode& node, int phase, int threads) {
  const MultiState& st = *static_cast<const MultiState*>(node.state.get());
  return compute_shares(st.parts[0].n, phase == phases_multi(node) - 1, threads);
}

void describe_multi(const OpNode& node, int phase, std::string& label, uint64_t& bytes) {
  const MultiState& st = *static_cast<const MultiState*>(node.state.get());
  const MatmulState& first = st.parts[0];
  if (st.has_acts && !st.private_acts && phase == 0) {
    label = "matmul acts K=" + std::to_string(first.K);
    return;
  }
  label = "matmul_multi";
  std::string shapes;
  for (const MatmulState& p : st.parts) {
    label += std::string(" ") + dtype_traits((int32_t)p.w->type).name;
    shapes += (shapes.empty() ? "" : "+") + std::to_string(p.N);
    bytes += p.w->bytes;
  }
  label += " " + std::to_string(first.K) + "x(" + shapes + ") " + first.kernel->name;
}

void prefetch_multi(const OpNode& node, int phase, int ith, int nth) {
  if (phase == phases_multi(node) - 1) prefetch_share(static_cast<const MultiState*>(node.state.get())->parts[0], ith, nth);
}

const RegisterOp reg_multi({"matmul_multi", validate_multi, phases_multi, run_multi, nullptr, describe_multi, shares_multi,
                            prefetch_multi});

}  // namespace

std::vector<const MatmulKernel*> matmul_kernels(DType type, Isa isa, const MatmulWeights* w) {
  std::vector<const MatmulKernel*> out;
  const WeightFormat* f = find_weight_format(type);
  if (!f || !f->kernels) return out;
  const MatmulKernel* buf[64];
  const int count = f->kernels(isa, buf, 64);
  for (int k = 0; k < count && k < 64; k++)
    if (!w || !buf[k]->accepts || buf[k]->accepts(*w)) out.push_back(buf[k]);
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
