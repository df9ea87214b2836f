// Opt-in per-node timing of plan runs (RYZEN_PROFILE=1 or setProfiling(true) from JS). When off,
// a plan run pays one relaxed load. When on, every step (node phase) is timed from the end of
// the previous step to the moment its last share finishes, i.e. wall time including the
// barrier wait, and accumulated under a label (op name and, for matmuls, weight type, shape and
// kernel) with the weight bytes the step reads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ryzen {

struct OpNode;

bool profiling_enabled();
void set_profiling(bool on);

struct ProfileEntry {
  std::string label;
  std::string op;
  uint64_t calls = 0;
  uint64_t ns = 0;
  uint64_t bytes = 0;  // weight bytes read, summed over calls
};

// Label id of (node, phase); ids stay valid across profile_reset().
int profile_label(const OpNode& node, int phase, uint64_t* bytes_per_call);
// Adds one run's step times (steps[k] = label id, ns[k], bytes[k]).
void profile_add(const std::vector<int>& ids, const std::vector<uint64_t>& bytes, const uint64_t* ns, size_t count);
std::vector<ProfileEntry> profile_stats();
void profile_reset();
uint64_t profile_now_ns();

}  // namespace ryzen
