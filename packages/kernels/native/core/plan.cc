#include "plan.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "errors.h"
#include "thread_pool.h"

namespace ryzen {

namespace {

struct Job {
  const OpNode* nodes;
  const int* phases;
  size_t count;
  uint8_t* scratch;
  // An op that throws despite its contract must not take the process down (an exception
  // leaving a worker thread terminates it) nor strand the other threads at a barrier: the first
  // failure is recorded, every thread still meets every barrier, and the run then fails.
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;

  Job(const OpNode* n, const int* p, size_t c, uint8_t* s) : nodes(n), phases(p), count(c), scratch(s) {}

  void record(const OpNode& node, const char* what) {
    std::lock_guard<std::mutex> lock(mu);
    if (failed.exchange(true)) return;
    error = std::string(node.def->name) + ": " + what;
  }
};

// Rejects tensors whose JS memory was detached after the node was built.
void check_attached(const std::vector<const Storage*>& storages) {
  for (const Storage* s : storages)
    if (s->detached()) fail(ErrorCode::Disposed, "a tensor's ArrayBuffer was detached (transferred) after it was wrapped");
}

void finish(Job& job) {
  if (job.failed.load()) fail(ErrorCode::InvalidArgument, "internal error in op " + job.error);
  for (size_t k = 0; k < job.count; k++) {
    const OpNode& node = job.nodes[k];
    if (!node.def->after_run) continue;
    std::string err = node.def->after_run(node);
    if (!err.empty()) fail(ErrorCode::InvalidArgument, std::string(node.def->name) + ": " + err);
  }
}

size_t scratch_needed(const OpNode* nodes, size_t count, int nth) {
  size_t need = 0;
  for (size_t k = 0; k < count; k++) need = std::max(need, node_scratch_total(nodes[k], nth));
  return need;
}

}  // namespace

void run_nodes_job(void* ctx, int ith, int nth) {
  Job& job = *static_cast<Job*>(ctx);
  for (size_t k = 0; k < job.count; k++) {
    const OpNode& node = job.nodes[k];
    const int phases = job.phases[k];
    for (int p = 0; p < phases; p++) {
      try {
        node.def->run(node, p, ith, nth, job.scratch);
      } catch (const std::exception& e) {
        job.record(node, e.what());
      } catch (...) {
        job.record(node, "unknown exception");
      }
      // The pool's own barrier after the job covers the last phase of the last node.
      if (k + 1 < job.count || p + 1 < phases) pool_barrier(nth);
    }
  }
}

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
    phases_.push_back(std::max(0, n.def->phases(n)));
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
  if (nth != scratch_threads_) {  // per-thread scratch depends on the thread count
    scratch_.reserve(scratch_needed(nodes_.data(), nodes_.size(), nth));
    scratch_threads_ = nth;
  }
  Job job{nodes_.data(), phases_.data(), nodes_.size(), scratch_.data()};
  if (!nodes_.empty()) pool_run(run_nodes_job, &job);
  finish(job);
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
  const int phases = std::max(0, node.def->phases(node));
  Job job{&node, &phases, 1, scratch->data()};
  pool_run(run_nodes_job, &job);
  finish(job);
}

}  // namespace ryzen
