// Persistent worker pool. Workers are created once (and again only when the thread count
// changes); between jobs they spin briefly, then sleep. A job runs on all `threads()` threads,
// the caller being thread 0; threads inside a job synchronise with barrier().
#pragma once

namespace ryzen {

using PoolJob = void (*)(void* ctx, int ith, int nth);

int pool_threads();
void pool_set_threads(int n);  // 1..kMaxThreads; takes effect for the next job
// Runs job(ctx, ith, nth) for ith in [0, nth) and returns when every thread has finished.
// Concurrent callers (e.g. several JS worker threads) are serialised.
void pool_run(PoolJob job, void* ctx);
// All nth threads of the running job wait here for each other.
void pool_barrier(int nth);
// Stops and joins the workers (env teardown); the next job restarts them.
void pool_shutdown();

constexpr int kMaxThreads = 256;

}  // namespace ryzen
