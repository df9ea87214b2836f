// The weight prefetch target (see prefetch.h): chosen once, from the CPU vendor or RYZEN_PREFETCH.
#include "core/prefetch.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/isa.h"

namespace ryzen {
namespace {

bool choose_prefetch_to_l2() {
  const char* env = std::getenv("RYZEN_PREFETCH");
  if (env && *env) {
    if (!std::strcmp(env, "l1")) return false;
    if (!std::strcmp(env, "l2")) return true;
    std::fprintf(stderr, "ryzen: ignoring RYZEN_PREFETCH=%s (expected l1 or l2)\n", env);
  }
  return cpu_features().vendor == "GenuineIntel";
}

}  // namespace

// A constant after static initialisation, so kernels read a plain global (no call, no lock).
const bool prefetch_to_l2 = choose_prefetch_to_l2();

}  // namespace ryzen
