#include "profile.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>

#include "op.h"

namespace ryzen {

namespace {

std::atomic<bool>& flag() {
  static std::atomic<bool> on{[] {
    const char* e = std::getenv("RYZEN_PROFILE");
    return e && *e && std::string(e) != "0";
  }()};
  return on;
}

struct Registry {
  std::mutex mu;
  std::vector<ProfileEntry> entries;
  std::map<std::string, int> ids;
};

Registry& registry() {
  static Registry* r = new Registry();  // used from plan runs during teardown too
  return *r;
}

}  // namespace

bool profiling_enabled() { return flag().load(std::memory_order_relaxed); }
void set_profiling(bool on) { flag().store(on, std::memory_order_relaxed); }

uint64_t profile_now_ns() {
  return (uint64_t)std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

int profile_label(const OpNode& node, int phase, uint64_t* bytes_per_call) {
  std::string label = node.def->name;
  uint64_t bytes = 0;
  if (node.def->describe) {
    node.def->describe(node, phase, label, bytes);
  } else if (phase > 0) {
    label += " #" + std::to_string(phase);
  }
  *bytes_per_call = bytes;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.ids.find(label);
  if (it != r.ids.end()) return it->second;
  const int id = (int)r.entries.size();
  ProfileEntry e;
  e.label = label;
  e.op = node.def->name;
  r.entries.push_back(e);
  r.ids.emplace(label, id);
  return id;
}

void profile_add(const std::vector<int>& ids, const std::vector<uint64_t>& bytes, const uint64_t* ns, size_t count) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (size_t k = 0; k < count; k++) {
    ProfileEntry& e = r.entries[(size_t)ids[k]];
    e.calls++;
    e.ns += ns[k];
    e.bytes += bytes[k];
  }
}

std::vector<ProfileEntry> profile_stats() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.entries;
}

void profile_reset() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (ProfileEntry& e : r.entries) e.calls = e.ns = e.bytes = 0;
}

}  // namespace ryzen
