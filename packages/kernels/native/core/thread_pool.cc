#include "thread_pool.h"

#include <sched.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include <climits>

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
#include <immintrin.h>  // _mm_pause (SSE2) and __rdtsc: part of the x86-64 baseline
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

namespace ryzen {

namespace {

// How long an idle worker spins before sleeping: long enough to stay hot across the short
// JS gaps between plan runs, short enough not to burn a core while the process is idle.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(1000);
// A thread waiting in a barrier spins (~10 us at 3-4 GHz TSC: longer than a balanced phase's
// skew, so a dedicated machine only ever spins), then yields its core (a fast hand-over when a
// peer was preempted onto the same CPU), and after ~1 ms sleeps on a futex so a long wait (a peer
// stalled on page faults, say) burns nothing.
constexpr uint64_t kBarrierSpinTicks = 30000;
constexpr uint64_t kBarrierYieldTicks = 3000000;

uint64_t ticks() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return (uint64_t)std::chrono::steady_clock::now().time_since_epoch().count();
#endif
}

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

// Counting barrier on one monotonically increasing counter (no reset, no separate generation
// word). Within a job, arrival k (counted from the job's base) belongs to barrier ceil(k / nth);
// a thread waits until the counter reaches that barrier's last ticket: it spins first, then
// sleeps on a futex that the last arriver signals only when someone sleeps. The counter never
// goes back, so a thread still leaving the previous job's last barrier can never miss its
// release; `base` (set before a job is published) absorbs thread-count changes.
struct alignas(64) Barrier {
  std::atomic<uint64_t> arrived{0};
  uint64_t base = 0;                  // written only between jobs, read by threads inside a job
  std::atomic<uint32_t> sleepers{0};  // threads (about to be) asleep in wait()
  std::atomic<uint32_t> wake_seq{0};  // futex word, bumped to wake sleepers

  void start_job() { base = arrived.load(std::memory_order_relaxed); }

  void wait(int nth) {
    if (nth <= 1) return;
    // base is read before arriving: once every thread has arrived at a job's last barrier the
    // caller may start the next job and move base.
    const uint64_t b = base;
    const uint64_t ticket = arrived.fetch_add(1, std::memory_order_seq_cst) + 1 - b;
    const uint64_t last = b + (ticket + nth - 1) / nth * nth;
    if (ticket + b == last) {
      if (sleepers.load(std::memory_order_seq_cst) > 0) {
        wake_seq.fetch_add(1, std::memory_order_seq_cst);
        futex_wake_all(&wake_seq);
      }
      return;
    }
    const uint64_t t0 = ticks();
    for (int spins = 0; arrived.load(std::memory_order_acquire) < last; spins++) {
      if ((spins & 63) != 63) {
        cpu_relax();
        continue;
      }
      const uint64_t waited = ticks() - t0;
      if (waited > kBarrierYieldTicks) {
        sleep_until(last);
        return;
      }
      if (waited > kBarrierSpinTicks) sched_yield();
    }
  }

 private:
  // Sleep until the counter reaches `last`. The seq_cst order of (sleepers++, arrived load) here
  // and (arrived fetch_add, sleepers load) in the last arriver means one of them sees the other.
  void sleep_until(uint64_t last) {
    for (;;) {
      const uint32_t seq = wake_seq.load(std::memory_order_seq_cst);
      sleepers.fetch_add(1, std::memory_order_seq_cst);
      if (arrived.load(std::memory_order_seq_cst) >= last) {
        sleepers.fetch_sub(1, std::memory_order_seq_cst);
        return;
      }
      futex_wait(&wake_seq, seq);
      sleepers.fetch_sub(1, std::memory_order_seq_cst);
      if (arrived.load(std::memory_order_acquire) >= last) return;
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
    barrier_.start_job();  // published to the workers by publish()
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
