#include "plan.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "errors.h"
#include "profile.h"
#include "thread_pool.h"

namespace ryzen {

namespace {

thread_local int worker_index = 0;  // see current_worker()

using Step = PlanStep;

struct Job {
  const Step* steps;
  size_t count;
  uint8_t* scratch;
  // first[q] = the first share ticket of step q (first[count] = all shares). progress.next hands
  // out tickets in order; progress.value counts finished shares. A share of step q may start once
  // all shares of steps < q finished: that is the one barrier per phase. Threads claim shares as
  // they come, so a thread the OS has not scheduled yet claims nothing and holds nobody up.
  const uint64_t* first = nullptr;
  ProgressCounter progress;
  // An op that throws despite its contract must not take the process down (an exception
  // leaving a worker thread terminates it) nor strand the other threads: the first failure is
  // recorded, the remaining shares still complete, and the run then fails.
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;
  // Profiling only: step_end[q] = when the last share of step q finished.
  uint64_t* step_end = nullptr;

  Job(const Step* s, size_t c, uint8_t* sc) : steps(s), count(c), scratch(sc) {}

  void record(const OpNode& node, const char* what) {
    std::lock_guard<std::mutex> lock(mu);
    if (failed.exchange(true)) return;
    error = std::string(node.def->name) + ": " + what;
  }

  void run_share(const Step& st, int share, int nth) {
    try {
      st.node->def->run(*st.node, st.phase, share, nth, scratch);
    } catch (const std::exception& e) {
      record(*st.node, e.what());
    } catch (...) {
      record(*st.node, "unknown exception");
    }
  }
};

// Rejects tensors whose JS memory was detached after the node was built.
void check_attached(const std::vector<const Storage*>& storages) {
  for (const Storage* s : storages)
    if (s->detached()) fail(ErrorCode::Disposed, "a tensor's ArrayBuffer was detached (transferred) after it was wrapped");
}

void finish(Job& job, const OpNode* nodes, size_t count) {
  if (job.failed.load()) fail(ErrorCode::InvalidArgument, "internal error in op " + job.error);
  for (size_t k = 0; k < count; k++) {
    const OpNode& node = nodes[k];
    if (!node.def->after_run) continue;
    std::string err = node.def->after_run(node);
    if (!err.empty()) fail(ErrorCode::InvalidArgument, std::string(node.def->name) + ": " + err);
  }
}

// first[q] for steps under `threads` pool threads (first.size() == steps + 1).
void share_tickets(const Step* steps, size_t count, int threads, std::vector<uint64_t>& first) {
  first.resize(count + 1);
  first[0] = 0;
  for (size_t q = 0; q < count; q++) {
    const OpDef& def = *steps[q].node->def;
    const int n = def.shares ? std::max(1, def.shares(*steps[q].node, steps[q].phase, threads)) : threads;
    first[q + 1] = first[q] + (uint64_t)n;
  }
}

size_t scratch_needed(const OpNode* nodes, size_t count, int nth) {
  size_t need = 0;
  for (size_t k = 0; k < count; k++) need = std::max(need, node_scratch_total(nodes[k], nth));
  return need;
}

// The pool job: every thread claims shares until none is left.
void run_nodes_job(void* ctx, int ith, int nth) {
  Job& job = *static_cast<Job*>(ctx);
  worker_index = ith;
  const uint64_t* first = job.first;
  if (nth == 1) {
    for (size_t q = 0; q < job.count; q++) {
      const int shares = (int)(first[q + 1] - first[q]);
      for (int s = 0; s < shares; s++) job.run_share(job.steps[q], s, shares);
      if (job.step_end) job.step_end[q] = profile_now_ns();
    }
    return;
  }
  const uint64_t total = first[job.count];
  size_t q = 0;  // this thread's tickets only grow, so its step cursor only moves forward
  for (;;) {
    const uint64_t t = job.progress.next.fetch_add(1, std::memory_order_relaxed);
    if (t >= total) break;
    while (first[q + 1] <= t) q++;
    const Step& st = job.steps[q];
    const int share = (int)(t - first[q]), shares = (int)(first[q + 1] - first[q]);
    // A thread that finished its part of the previous step early fetches the start of its next
    // share meanwhile (a decode matmul's first weights) instead of only spinning.
    if (st.node->def->prefetch && job.progress.value.load(std::memory_order_acquire) < first[q])
      st.node->def->prefetch(*st.node, st.phase, share, shares);
    job.progress.wait_at_least(first[q]);  // every share of the previous steps is done
    job.run_share(st, share, shares);
    // timestamp before publishing the share: the next step cannot end before it
    const uint64_t end = job.step_end ? profile_now_ns() : 0;
    const uint64_t done = job.progress.add(1);
    if (job.step_end && done == first[q + 1]) job.step_end[q] = end;
  }
  if (ith == 0) job.progress.wait_at_least(total);  // the caller returns only when all is done
}

void append_steps(const OpNode& node, std::vector<Step>& steps) {
  const int phases = node.def->phases(node);
  for (int p = 0; p < phases; p++) steps.push_back({&node, p});
}

}  // namespace

int current_worker() { return worker_index; }

ErrorCode validation_error_code(const std::string& msg) {
  return msg.find("shape") != std::string::npos ? ErrorCode::ShapeMismatch : ErrorCode::InvalidArgument;
}

void build_node(OpNode& node, const std::string& name) {
  const OpDef* def = find_op(name);
  if (!def) fail(ErrorCode::InvalidArgument, "unknown op '" + name + "'");
  for (size_t k = 0; k < node.t.size(); k++)
    if (!node.t[k]) fail(ErrorCode::InvalidArgument, name + ": tensor operand " + std::to_string(k) + " is missing");
  node.def = def;
  std::string err;
  try {
    err = def->validate(node);
  } catch (const KernelException& e) {  // e.g. an unknown weight type found while preparing
    fail(e.code, name + ": " + e.what());
  }
  if (!err.empty()) fail(validation_error_code(err), name + ": " + err);
}

Plan::Plan(std::vector<OpNode> nodes) : nodes_(std::move(nodes)) {
  for (const OpNode& n : nodes_) {
    append_steps(n, steps_);
    for (const TensorPtr& t : n.t)
      // only memory owned by JS objects can be taken away (detached) between runs
      if (t->storage && t->storage->foreign_tag() &&
          std::find(external_.begin(), external_.end(), t->storage.get()) == external_.end())
        external_.push_back(t->storage.get());
  }
}

void Plan::run() {
  check_attached(external_);
  const int nth = pool_threads();
  if (nth != scratch_threads_) {  // per-thread scratch and share counts depend on the thread count
    scratch_.reserve(scratch_needed(nodes_.data(), nodes_.size(), nth));
    share_tickets(steps_.data(), steps_.size(), nth, first_share_);
    scratch_threads_ = nth;
  }
  Job job(steps_.data(), steps_.size(), scratch_.data());
  job.first = first_share_.data();
  const bool profile = profiling_enabled() && !steps_.empty();
  uint64_t start = 0;
  if (profile) {
    if (profile_ids_.size() != steps_.size()) label_steps();
    step_ns_.assign(steps_.size(), 0);
    job.step_end = step_ns_.data();
    start = profile_now_ns();
  }
  // nth caps the shares: scratch was sized for it even if another JS thread resizes the pool
  if (!steps_.empty()) pool_run(run_nodes_job, &job, nth);
  if (profile) {
    for (size_t q = steps_.size(); q-- > 0;) {
      const uint64_t begin = q ? step_ns_[q - 1] : start;
      step_ns_[q] = step_ns_[q] > begin ? step_ns_[q] - begin : 0;
    }
    profile_add(profile_ids_, profile_bytes_, step_ns_.data(), steps_.size());
  }
  finish(job, nodes_.data(), nodes_.size());
}

void Plan::label_steps() {
  profile_ids_.resize(steps_.size());
  profile_bytes_.resize(steps_.size());
  for (size_t q = 0; q < steps_.size(); q++)
    profile_ids_[q] = profile_label(*steps_[q].node, steps_[q].phase, &profile_bytes_[q]);
}

void run_node(OpNode& node) {
  static std::mutex* mu = new std::mutex();             // JS worker threads may call concurrently
  static AlignedBuffer* scratch = new AlignedBuffer();  // shared by immediate calls
  std::lock_guard<std::mutex> lock(*mu);
  std::vector<const Storage*> storages;
  for (const TensorPtr& t : node.t)
    if (t->storage) storages.push_back(t->storage.get());
  check_attached(storages);
  const int nth = pool_threads();
  scratch->reserve(node_scratch_total(node, nth));
  std::vector<Step> steps;
  append_steps(node, steps);
  std::vector<uint64_t> first;
  share_tickets(steps.data(), steps.size(), nth, first);
  Job job(steps.data(), steps.size(), scratch->data());
  job.first = first.data();
  if (!steps.empty()) pool_run(run_nodes_job, &job, nth);
  finish(job, &node, 1);
}

}  // namespace ryzen
