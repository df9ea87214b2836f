#include "parallel.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace ryzen {

int parallel_ranges(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn) {
  const int64_t hw = std::max<int64_t>(1, std::min<int64_t>(8, std::thread::hardware_concurrency()));
  const int64_t by_work = grain > 0 ? 1 + count / grain : 1;
  const int parts = (int)std::max<int64_t>(1, std::min({hw, by_work, count}));
  std::vector<std::thread> workers;
  for (int p = 1; p < parts; ++p) workers.emplace_back(fn, count * p / parts, count * (p + 1) / parts, p);
  fn(0, count / parts, 0);
  for (auto& w : workers) w.join();
  return parts;
}

}  // namespace ryzen
