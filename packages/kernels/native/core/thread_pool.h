// Persistent worker pool. Workers are created once (and again only when the thread count
// changes); between jobs they spin briefly, then sleep.
//
// A job is offered to all `threads()` threads, the caller being thread 0. Work inside a job is
// claimed dynamically (see run_nodes_job in plan.cc): a worker that the OS has not scheduled yet
// simply claims nothing, so a late or preempted thread never stalls the others, and the caller
// returns as soon as the work is done and no worker is still inside the job.
#pragma once
#include <atomic>
#include <cstdint>

namespace ryzen {

using PoolJob = void (*)(void* ctx, int ith, int nth);

int pool_threads();
void pool_set_threads(int n);  // 1..kMaxThreads; takes effect for the next job
// Offers job(ctx, ith, nth) to threads 1..nth-1 and runs job(ctx, 0, nth) on the caller, with
// nth = min(max_threads, pool_threads()); returns the nth used. The job must itself wait (on the
// caller) until all its work is complete; pool_run then waits only for workers still inside
// the job. Workers that arrive after that skip the job. Concurrent callers (e.g. several JS
// worker threads) are serialised.
int pool_run(PoolJob job, void* ctx, int max_threads);
// Stops and joins the workers (env teardown); the next job restarts them.
void pool_shutdown();

constexpr int kMaxThreads = 256;

// A counter that only grows and that threads can wait on: spin (~10 us), then yield the core,
// then (after ~1 ms) sleep on a futex; add() wakes sleepers only when there are any.
struct alignas(64) ProgressCounter {
  std::atomic<uint64_t> value{0};
  std::atomic<uint64_t> next{0};      // companion ticket counter on the same line (see plan.cc)
  std::atomic<uint32_t> sleepers{0};
  std::atomic<uint32_t> wake_seq{0};  // futex word

  uint64_t add(uint64_t n);  // returns the new value
  void wait_at_least(uint64_t target);

 private:
  void sleep_until(uint64_t target);
};

}  // namespace ryzen
