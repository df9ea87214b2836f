#include "parallel.h"

#include <algorithm>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

namespace ryzen {

int parallel_ranges(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn) {
  const int64_t hw = std::max<int64_t>(1, std::min<int64_t>(kMaxParallelParts, std::thread::hardware_concurrency()));
  const int64_t by_work = grain > 0 ? 1 + count / grain : 1;
  const int parts = (int)std::max<int64_t>(1, std::min({hw, by_work, count}));
  // An exception must not leave a worker thread (that terminates the process): each part's is
  // kept and the first (in part order) rethrown on the caller's thread once all have joined.
  std::vector<std::exception_ptr> errors(parts);
  auto run = [&](int p) {
    try {
      fn(count * p / parts, count * (p + 1) / parts, p);
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(parts);
  int started = 1;
  for (; started < parts; ++started) {
    try {
      workers.emplace_back(run, started);
    } catch (const std::system_error&) {
      break;  // no more threads (resource limits): this thread runs the remaining parts
    }
  }
  run(0);
  for (int p = started; p < parts; ++p) run(p);
  for (auto& w : workers) w.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  return parts;
}

}  // namespace ryzen
