#include "plan.h"

#include <algorithm>
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
};

// Rejects tensors whose JS memory was detached after the node was built.
void check_attached(const std::vector<const Storage*>& storages) {
  for (const Storage* s : storages)
    if (s->detached()) fail(ErrorCode::Disposed, "a tensor's ArrayBuffer was detached (transferred) after it was wrapped");
}

void check_after_run(const OpNode* nodes, size_t count) {
  for (size_t k = 0; k < count; k++) {
    if (!nodes[k].def->after_run) continue;
    std::string err = nodes[k].def->after_run(nodes[k]);
    if (!err.empty()) fail(ErrorCode::InvalidArgument, std::string(nodes[k].def->name) + ": " + err);
  }
}

size_t scratch_needed(const OpNode* nodes, size_t count, int nth) {
  size_t need = 0;
  for (size_t k = 0; k < count; k++) need = std::max(need, node_scratch_total(nodes[k], nth));
  return need;
}

}  // namespace

void run_nodes_job(void* ctx, int ith, int nth) {
  const Job& job = *static_cast<const Job*>(ctx);
  for (size_t k = 0; k < job.count; k++) {
    const OpNode& node = job.nodes[k];
    const int phases = job.phases[k];
    for (int p = 0; p < phases; p++) {
      node.def->run(node, p, ith, nth, job.scratch);
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
      if (t->storage && std::find(external_.begin(), external_.end(), t->storage.get()) == external_.end())
        external_.push_back(t->storage.get());
  }
}

void Plan::run() {
  check_attached(external_);
  const int nth = pool_threads();
  scratch_.reserve(scratch_needed(nodes_.data(), nodes_.size(), nth));
  Job job{nodes_.data(), phases_.data(), nodes_.size(), scratch_.data()};
  if (!nodes_.empty()) pool_run(run_nodes_job, &job);
  check_after_run(nodes_.data(), nodes_.size());
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
  check_after_run(&node, 1);
}

}  // namespace ryzen
