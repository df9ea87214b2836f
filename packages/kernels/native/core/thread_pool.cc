#include "thread_pool.h"

#include <sched.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "isa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>  // _mm_pause (SSE2) and __rdtsc: part of the x86-64 baseline
static inline void cpu_relax() { _mm_pause(); }
static inline uint64_t ticks() { return __rdtsc(); }
#else
static inline void cpu_relax() {}
static inline uint64_t ticks() { return (uint64_t)std::chrono::steady_clock::now().time_since_epoch().count(); }
#endif

namespace ryzen {

namespace {

// How long an idle worker spins before sleeping: long enough to stay hot across the short
// JS gaps between plan runs, short enough not to burn a core while the process is idle.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(1000);
// A waiter spins ~10 us (3-4 GHz TSC; longer than a balanced phase's skew, so a dedicated
// machine only ever spins), then yields its core (a quick hand-over when a peer was preempted
// onto the same CPU), and after ~1 ms sleeps so a long wait burns nothing.
constexpr uint64_t kSpinTicks = 30000;
constexpr uint64_t kYieldTicks = 3000000;

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected) {
#ifdef __linux__
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
#else
  if (word->load() == expected) sched_yield();
#endif
}

void futex_wake_all(std::atomic<uint32_t>* word) {
#ifdef __linux__
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
  (void)word;
#endif
}

class Pool {
 public:
  int threads() const { return nth_target_.load(std::memory_order_relaxed); }

  void set_threads(int n) {
    n = std::max(1, std::min(n, kMaxThreads));
    std::lock_guard<std::mutex> run_lock(run_mu_);
    nth_target_.store(n, std::memory_order_relaxed);
  }

  int run(PoolJob job, void* ctx, int max_threads) {
    std::lock_guard<std::mutex> run_lock(run_mu_);
    const int pool_size = nth_target_.load(std::memory_order_relaxed);
    const int nth = std::max(1, std::min(max_threads, pool_size));
    if (nth == 1) {
      job(ctx, 0, 1);
      return 1;
    }
    if ((int)workers_.size() != pool_size - 1) restart(pool_size);
    job_ = job;
    ctx_ = ctx;
    nth_ = nth;
    closed_.store(false, std::memory_order_relaxed);
    publish();
    job(ctx, 0, nth);
    // Close the job, then wait for workers inside it. With seq_cst on both sides, a worker
    // either registers (active_++) before we read active_, or sees closed_ and skips.
    closed_.store(true, std::memory_order_seq_cst);
    for (int spins = 0; active_.load(std::memory_order_seq_cst) > 0; spins++) {
      if (spins < 4096)
        cpu_relax();
      else
        sched_yield();
    }
    return nth;
  }

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
      active_.fetch_add(1, std::memory_order_seq_cst);
      // Still the job we were woken for, and not yet closed: its slot is stable until we leave.
      if (!closed_.load(std::memory_order_seq_cst) && generation_.load(std::memory_order_seq_cst) == seen &&
          ith < nth_)
        job_(ctx_, ith, nth_);
      active_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  std::mutex run_mu_;  // one job at a time; also guards workers_
  std::atomic<int> nth_target_{1};
  std::vector<std::thread> workers_;
  // Job slot: written by the caller before publish(), read by registered workers.
  PoolJob job_ = nullptr;
  void* ctx_ = nullptr;
  int nth_ = 1;
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<bool> closed_{true};
  std::atomic<int> active_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  std::mutex sleep_mu_;
  std::condition_variable wake_;
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

uint64_t ProgressCounter::add(uint64_t n) {
  const uint64_t now = value.fetch_add(n, std::memory_order_seq_cst) + n;
  if (sleepers.load(std::memory_order_seq_cst) > 0) {
    wake_seq.fetch_add(1, std::memory_order_seq_cst);
    futex_wake_all(&wake_seq);
  }
  return now;
}

void ProgressCounter::wait_at_least(uint64_t target) {
  if (value.load(std::memory_order_acquire) >= target) return;
  const uint64_t t0 = ticks();
  for (int spins = 0; value.load(std::memory_order_acquire) < target; spins++) {
    if ((spins & 63) != 63) {
      cpu_relax();
      continue;
    }
    const uint64_t waited = ticks() - t0;
    if (waited > kYieldTicks) return sleep_until(target);
    if (waited > kSpinTicks) sched_yield();
  }
}

// The seq_cst order of (sleepers++, value load) here and (value fetch_add, sleepers load) in
// add() means one of the two sees the other: no wake-up is lost.
void ProgressCounter::sleep_until(uint64_t target) {
  for (;;) {
    const uint32_t seq = wake_seq.load(std::memory_order_seq_cst);
    sleepers.fetch_add(1, std::memory_order_seq_cst);
    if (value.load(std::memory_order_seq_cst) >= target) {
      sleepers.fetch_sub(1, std::memory_order_seq_cst);
      return;
    }
    futex_wait(&wake_seq, seq);
    sleepers.fetch_sub(1, std::memory_order_seq_cst);
    if (value.load(std::memory_order_acquire) >= target) return;
  }
}

int pool_threads() { return pool().threads(); }
void pool_set_threads(int n) { pool().set_threads(n); }
int pool_run(PoolJob job, void* ctx, int max_threads) { return pool().run(job, ctx, max_threads); }
void pool_shutdown() { pool().shutdown(); }

}  // namespace ryzen
