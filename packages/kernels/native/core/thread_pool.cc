#include "thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "isa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>  // _mm_pause is SSE2, part of the x86-64 baseline
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

namespace ryzen {

namespace {

// How long an idle worker spins before sleeping: long enough to stay hot across the short
// JS gaps between plan runs, short enough not to burn a core while the process is idle.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(1000);
// Spins before a waiter in a barrier starts yielding its core (matters when oversubscribed).
constexpr int kSpinsBeforeYield = 1 << 14;

// Sense-reversing barrier; count and generation share one cache line so the last arriver
// publishes with a single line transfer.
struct alignas(64) Barrier {
  std::atomic<int> count{0};
  std::atomic<uint32_t> generation{0};

  void wait(int nth) {
    if (nth <= 1) return;
    const uint32_t gen = generation.load(std::memory_order_acquire);
    if (count.fetch_add(1, std::memory_order_acq_rel) == nth - 1) {
      count.store(0, std::memory_order_relaxed);
      generation.store(gen + 1, std::memory_order_release);
      return;
    }
    for (int spins = 0; generation.load(std::memory_order_acquire) == gen; spins++) {
      if (spins < kSpinsBeforeYield)
        cpu_relax();
      else
        sched_yield();
    }
  }
};

class Pool {
 public:
  int threads() const { return nth_target_.load(std::memory_order_relaxed); }

  void set_threads(int n) {
    n = std::max(1, std::min(n, kMaxThreads));
    std::lock_guard<std::mutex> run_lock(run_mu_);
    nth_target_.store(n, std::memory_order_relaxed);
  }

  void run(PoolJob job, void* ctx) {
    std::lock_guard<std::mutex> run_lock(run_mu_);
    const int nth = nth_target_.load(std::memory_order_relaxed);
    if (nth == 1) {
      job(ctx, 0, 1);
      return;
    }
    if ((int)workers_.size() != nth - 1) restart(nth);
    job_ = job;
    ctx_ = ctx;
    nth_ = nth;
    publish();
    job(ctx, 0, nth);
    barrier_.wait(nth);  // every worker has finished its share
  }

  void barrier(int nth) { barrier_.wait(nth); }

  void shutdown() {
    std::lock_guard<std::mutex> run_lock(run_mu_);
    stop_workers();
  }

 private:
  void publish() {
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleep_mu_);
      wake_.notify_all();
    }
  }

  void restart(int nth) {
    stop_workers();
    stop_ = false;
    const uint64_t start = generation_.load();
    for (int i = 1; i < nth; i++) workers_.emplace_back([this, i, start] { worker(i, start); });
  }

  void stop_workers() {
    if (workers_.empty()) return;
    stop_ = true;
    publish();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
  }

  uint64_t wait_for_job(uint64_t seen) {
    const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    for (int spins = 0;; spins++) {
      const uint64_t g = generation_.load(std::memory_order_acquire);
      if (g != seen) return g;
      cpu_relax();
      if ((spins & 1023) == 1023 && std::chrono::steady_clock::now() > deadline) break;
    }
    std::unique_lock<std::mutex> lock(sleep_mu_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    wake_.wait(lock, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return generation_.load(std::memory_order_acquire);
  }

  void worker(int ith, uint64_t seen) {
    for (;;) {
      seen = wait_for_job(seen);
      if (stop_) return;
      job_(ctx_, ith, nth_);
      barrier_.wait(nth_);
    }
  }

  std::mutex run_mu_;  // one job at a time; also guards workers_
  std::atomic<int> nth_target_{1};
  std::vector<std::thread> workers_;
  // Job slot: written by the caller before publish(), read by workers after seeing the new generation.
  PoolJob job_ = nullptr;
  void* ctx_ = nullptr;
  int nth_ = 1;
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  std::mutex sleep_mu_;
  std::condition_variable wake_;
  Barrier barrier_;
};

Pool& pool() {
  // Never destroyed: worker threads must not outlive a destroyed pool during process exit.
  static Pool* p = [] {
    Pool* q = new Pool();
    q->set_threads(cpu_features().physical_cores);
    return q;
  }();
  return *p;
}

}  // namespace

int pool_threads() { return pool().threads(); }
void pool_set_threads(int n) { pool().set_threads(n); }
void pool_run(PoolJob job, void* ctx) { pool().run(job, ctx); }
void pool_barrier(int nth) { pool().barrier(nth); }
void pool_shutdown() { pool().shutdown(); }

}  // namespace ryzen
