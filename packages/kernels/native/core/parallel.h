// One-off bulk work spread over the machine's hardware threads: repacking weights at load, where
// a 2B-parameter model has billions of weights to rewrite. Plain std::threads, not the compute
// pool, so it can run from anywhere (including while a plan is being built) without reentrancy.
#pragma once
#include <cstdint>
#include <functional>

namespace ryzen {

// Calls fn(begin, end, part) on contiguous ranges covering [0, count), one range per thread, in
// part order (part 0 on the calling thread). Uses one thread per `grain` items (at least one, at
// most the hardware threads, capped at 8). Returns the number of parts. An exception thrown by fn
// on any part is rethrown here after every part has finished.
int parallel_ranges(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn);

}  // namespace ryzen
