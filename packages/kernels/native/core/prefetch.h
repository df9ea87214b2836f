// Software prefetch for decode-sized matmuls, which stream their weights once and are bound by
// memory bandwidth. One core's hardware prefetchers alone leave bandwidth unused, so kernels fetch
// the weights they will need about 9 KB ahead of the ones they compute on. Measured on Zen 5,
// AVX-512 ternary LUT GEMV, 1 thread, 256 MB stream (read probe ~39 GB/s): one burst per 880-byte
// segment, each line once, ~33-34 GB/s; a prefetch per 80-byte step (some lines twice) ~28 GB/s;
// every other line only ~2x slower; none ~19 GB/s. 9 KB against 12 KB ahead, alternating
// processes: LUT GEMV 3-5 % faster (k/v, gate/up, 1 and 2 threads), Q4_K x16 ~5 %, Q4_0 ~2 %,
// Q6_K and Q8_0 unchanged; 7-11 KB were within noise of each other.
//
// Where the lines go depends on the vendor (prefetch_to_l2, chosen once at load). On an Intel Xeon
// (KVM guest, ~200 ns to DRAM, read probe 14.7 GB/s per core) prefetcht1, into L2, made every
// ternary LUT GEMV shape 10-12 % faster and the Q6_K / Q8_0 heads 13 / 5 % faster than prefetcht0
// (alternating processes; 4.5-12 KB ahead all alike): a T0 prefetch holds one of L1's few fill
// buffers until its line arrives, which caps the lines in flight. AMD keeps T0: it was tuned on
// Zen 5, and Zen 4 is documented to drop T1/T2 prefetches at times.
//
// `static inline` and intrinsic-free (__builtin_prefetch is baseline x86-64), so flag-free and
// SIMD translation units can share it (see the ISA rule). A prefetch never faults, so running past
// the end of a tensor is safe; past a share's end it costs bandwidth the stream needs (the AVX-512
// T2 GEMV stops there: q/o decode at 2 threads ~2 % faster; the AVX2 one measured ~1 % slower).
#pragma once
#include <cstdint>

namespace ryzen {

static const int64_t kPrefetchAheadBytes = 9216;

// True when weight prefetches go to L2 (prefetcht1) rather than L1: GenuineIntel CPUs, or
// RYZEN_PREFETCH=l2 (=l1 forces L1). Set once before any kernel runs (core/prefetch.cc).
extern const bool prefetch_to_l2;

// Prefetch every cache line of [p, p + bytes) once, into L2 or L1 (see above).
__attribute__((always_inline)) static inline void prefetch_lines(const uint8_t* p, int64_t bytes) {
  const uintptr_t end = (uintptr_t)p + (uintptr_t)bytes;
  uintptr_t l = (uintptr_t)p & ~(uintptr_t)63;
  if (prefetch_to_l2)
    for (; l < end; l += 64) __builtin_prefetch((const void*)l, 0, 2);
  else
    for (; l < end; l += 64) __builtin_prefetch((const void*)l, 0, 3);
}

// Prefetch the `Lines` cache lines from p, a 64-byte aligned address (no alignment or length
// arithmetic: for per-step prefetches in tight loops).
// (always_inline: GCC 12 split the L2 branch of this into a function part it then judged free of
// side effects and deleted, prefetches and all.)
template <int Lines>
__attribute__((always_inline)) static inline void prefetch_aligned_lines(const uint8_t* p) {
  if (prefetch_to_l2)
    for (int i = 0; i < Lines; ++i) __builtin_prefetch(p + 64 * i, 0, 2);
  else
    for (int i = 0; i < Lines; ++i) __builtin_prefetch(p + 64 * i, 0, 3);
}

// For a kernel that walks memory in consecutive pieces of `bytes` (rows, segments): prefetch the
// piece about kPrefetchAheadBytes beyond the one at p.
__attribute__((always_inline)) static inline void prefetch_piece_ahead(const uint8_t* p, int64_t bytes) {
  const int64_t ahead = (kPrefetchAheadBytes + bytes - 1) / bytes;
  prefetch_lines(p + ahead * bytes, bytes);
}

// prefetch_piece_ahead for pieces of a compile-time size (whole lines) at 64-byte aligned
// addresses: one prefetch per line, no address arithmetic at run time.
template <int64_t Bytes>
__attribute__((always_inline)) static inline void prefetch_aligned_piece_ahead(const uint8_t* p) {
  static_assert(Bytes % 64 == 0, "pieces of whole cache lines");
  constexpr int64_t ahead = (kPrefetchAheadBytes + Bytes - 1) / Bytes;
  prefetch_aligned_lines<(int)(Bytes / 64)>(p + ahead * Bytes);
}

}  // namespace ryzen
