// One-off bulk work spread over the machine's hardware threads: repacking weights at load, where
// a 2B-parameter model has billions of weights to rewrite. Plain std::threads, not the compute
// pool, so it can run from anywhere (including while a plan is being built) without reentrancy.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>

namespace ryzen {

constexpr int kMaxParallelParts = 8;

// Calls fn(begin, end, part) on contiguous ranges covering [0, count), one range per thread, in
// part order (part 0 on the calling thread). Uses one thread per `grain` items (at least one, at
// most the hardware threads and kMaxParallelParts). Returns the number of parts. An exception
// thrown by fn on any part is rethrown here after every part has finished.
int parallel_ranges(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn);

// Repacking `tiles` tiles of `tile_weights` weights each: a thread per ~4M weights.
inline int parallel_repack(int64_t tiles, int64_t tile_weights, const std::function<void(int64_t, int64_t, int)>& fn) {
  return parallel_ranges(tiles, std::max<int64_t>(1, (int64_t(1) << 22) / std::max<int64_t>(1, tile_weights)), fn);
}

}  // namespace ryzen
