// Ops: every computation the engine exposes (matmul, norms, rope, attention, ...) is an OpDef
// registered by name. The same OpDef serves an immediate call from JS and a node in a Plan
// (a sequence of ops run in ONE native call, workers kept hot, one barrier per phase).
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "tensor.h"

namespace ryzen {

struct OpNode;

struct OpDef {
  const char* name;
  // Check arity, types and shapes of node.t / node.i / node.f; fill node.state and
  // node.scratch_bytes. Return "" when valid, otherwise a message naming the problem (a message
  // containing "shape" becomes a SHAPE_MISMATCH error, others INVALID_ARGUMENT; validate may also
  // throw KernelException from core/errors.h for another code).
  // Runs once when the node is built (immediate call or Plan construction), never per run.
  std::string (*validate)(OpNode& node);
  // Number of phases; the executor puts a barrier between phases and after the last one.
  int (*phases)(const OpNode& node);
  // Do share ith of nth of `phase` (shares are claimed by whichever pool thread is free, so ith
  // names the share, not a thread; two shares of one phase never run on the same thread at
  // once). Must not allocate, throw or block.
  void (*run)(const OpNode& node, int phase, int ith, int nth, uint8_t* scratch);
  // Optional: called once after a run that included this node; a non-empty message means the
  // run met bad data it could only see at run time (e.g. token ids written between runs). The
  // op must have stayed in bounds (clamp and record); the executor then throws a KernelError.
  std::string (*after_run)(const OpNode& node) = nullptr;
  // Optional, for the profiler (core/profile.h): refine `label` (preset to the op name) for
  // `phase` and set the weight bytes one run of that phase reads. Called once per plan, not per run.
  void (*describe)(const OpNode& node, int phase, std::string& label, uint64_t& bytes) = nullptr;
  // Optional: how many shares to cut `phase` into for `threads` pool threads (default: one per
  // thread). More shares than threads let a thread that runs faster (the other core is busy or
  // descheduled) take over more of the work.
  int (*shares)(const OpNode& node, int phase, int threads) = nullptr;
  // Optional: share ith of nth of `phase` is claimed but must wait for the previous step to end;
  // start fetching the memory it reads first (prefetches only: nothing written, no fault).
  void (*prefetch)(const OpNode& node, int phase, int ith, int nth) = nullptr;
};

struct OpNode {
  const OpDef* def = nullptr;
  std::vector<TensorPtr> t;         // tensor operands (outputs and inputs, order per op)
  std::vector<int64_t> i;           // integer params
  std::vector<double> f;            // float params
  std::shared_ptr<void> state;      // op-private, set by validate (e.g. the chosen kernel)
  size_t scratch_bytes = 0;         // 64-byte-aligned scratch the executor provides, shared by threads
  size_t scratch_per_thread = 0;    // extra private scratch per thread: see thread_scratch()
};

// The pool thread running the current share (0..nth-1; 0 is the caller), set by the executor.
int current_worker();

// Scratch layout: [scratch_bytes shared][scratch_per_thread x nth], each part 64-byte aligned;
// thread_scratch(node, scratch) is the private part of the pool thread running the share. Per
// thread, not per share: shares go to whichever thread claims them first, so a share's private
// part would move between cores whenever the claim order flipped, and every write to it would
// pull its lines from the other core (a K = 2560 LUT GEMV's 26 KB of tables: a one-tile GEMV at
// 2 threads took 4.7 us instead of 1.4 on a Xeon VM). It also lets a phase have more shares than
// threads.
inline size_t scratch_align(size_t bytes) { return (bytes + 63) & ~size_t(63); }
inline uint8_t* thread_scratch(const OpNode& node, uint8_t* scratch) {
  return scratch + scratch_align(node.scratch_bytes) + (size_t)current_worker() * scratch_align(node.scratch_per_thread);
}
inline size_t node_scratch_total(const OpNode& node, int nth) {
  return scratch_align(node.scratch_bytes) + (size_t)nth * scratch_align(node.scratch_per_thread);
}

void register_op(const OpDef& def);
const OpDef* find_op(const std::string& name);
std::vector<std::string> op_names();

struct RegisterOp {
  explicit RegisterOp(const OpDef& d) { register_op(d); }
};

// Split [0, n) into nth near-equal parts aligned to `multiple`; returns this thread's range.
inline void split_range(int64_t n, int ith, int nth, int64_t multiple, int64_t* begin, int64_t* end) {
  int64_t units = (n + multiple - 1) / multiple;
  int64_t per = units / nth, extra = units % nth;
  int64_t ub = ith * per + (ith < extra ? ith : extra);
  int64_t ue = ub + per + (ith < extra ? 1 : 0);
  *begin = ub * multiple < n ? ub * multiple : n;
  *end = ue * multiple < n ? ue * multiple : n;
}

}  // namespace ryzen
