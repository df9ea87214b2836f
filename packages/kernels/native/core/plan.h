// Executes ops: one node immediately, or a whole plan of nodes in ONE pool job in which the
// threads stay inside the job and meet at one barrier per op phase.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "errors.h"
#include "memory.h"
#include "op.h"

namespace ryzen {

// Validators return plain messages; shape problems are phrased with "shape".
ErrorCode validation_error_code(const std::string& msg);

// Looks up `name`, validates node (throws KernelException naming the node) and sets node.def.
void build_node(OpNode& node, const std::string& name);

// One phase of one node; a run executes steps in order, each split into shares (OpDef::shares).
struct PlanStep {
  const OpNode* node;
  int phase;
};

class Plan {
 public:
  explicit Plan(std::vector<OpNode> nodes);  // nodes already built (build_node)
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  void run();
  size_t size() const { return nodes_.size(); }

 private:
  std::vector<OpNode> nodes_;
  std::vector<PlanStep> steps_;  // (node, phase) in execution order, fixed at construction; point into nodes_
  std::vector<uint64_t> first_share_;     // per step, its first share ticket (+ the total), for scratch_threads_
  std::vector<const Storage*> external_;  // storages that can be detached from JS
  AlignedBuffer scratch_;                 // max scratch over nodes, for scratch_threads_ threads
  int scratch_threads_ = 0;
  // Profiler (core/profile.h), filled on the first profiled run.
  void label_steps();
  std::vector<int> profile_ids_;
  std::vector<uint64_t> profile_bytes_;
  std::vector<uint64_t> step_ns_;
};

// Runs one built node now (scratch from a shared, growing buffer).
void run_node(OpNode& node);

}  // namespace ryzen
