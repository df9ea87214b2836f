// Weight prefetch for the LUT kernels, in the order they read the weights. A share of a decode
// product walks its tiles band block by band block and, in K-chunked layouts, chunk by chunk
// (t3.h); the pieces of consecutive tiles in one band and chunk are contiguous, so the share reads
// a short list of contiguous runs. Prefetching "kPrefetchAheadBytes past the current address"
// overshoots at each run's end (into another chunk, or rows of another share) and leaves the
// next run's start to demand misses; this cursor stays kPrefetchAheadBytes ahead in run order
// and stops at the share's end.
//
// In an anonymous namespace and intrinsic-free, so each ISA translation unit gets its own copy
// (see the ISA rule).
#pragma once
#include <cstdint>
#include "core/prefetch.h"
#include "ternary/kernels.h"

namespace ryzen {
namespace t3 {
namespace {

// Tile blocks of a share: in chunked layouts one band at a time (so a chunk's tables stay in L1
// across the band's tiles), otherwise blocks small enough to stay in L2 while every token's
// tables pass over them. Returns the end of the block starting at tile b0 (< end).
static inline int64_t tile_block_end(const Args& a, int64_t b0, int64_t end) {
  const int64_t segs = segments(a.K), tb = tile_bytes(a.K);
  const int64_t lim = chunk_segs(a.K) < segs ? (b0 / kBandTiles + 1) * kBandTiles : b0 + (tb >= 131072 ? 1 : 131072 / tb);
  return lim < end ? lim : end;
}

class RunPrefetch {
 public:
  // The runs of tiles [first, end), in the kernels' order: per tile block, per K-chunk.
  RunPrefetch(const Args& a, int64_t first, int64_t end) {
    const int64_t segs = segments(a.K), ch = chunk_segs(a.K);
    for (int64_t b0 = first; b0 < end;) {
      const int64_t b1 = tile_block_end(a, b0, end);
      for (int64_t s0 = 0; s0 < segs; s0 += ch) {
        const int64_t len = segs - s0 < ch ? segs - s0 : ch;
        add(a.codes + seg_offset(a.rows, a.K, b0, s0), (b1 - b0) * len * kSegBytes);
      }
      b0 = b1;
    }
    while (ahead_ < kPrefetchAheadBytes && more()) step(kSegBytes);
  }

  // Called once per segment the kernel computes: prefetches one segment's bytes further on.
  inline void advance() {
    if (more()) step(kSegBytes);
  }

 private:
  static const int kMaxRuns = 64;

  void add(const uint8_t* p, int64_t bytes) {
    if (count_ > 0 && run_[count_ - 1].p + run_[count_ - 1].bytes == p) {
      run_[count_ - 1].bytes += bytes;  // contiguous with the previous run
    } else if (count_ < kMaxRuns) {
      run_[count_++] = {p, bytes};
    }
  }
  inline bool more() const { return r_ < count_; }
  // Prefetches the next `bytes` in run order (crossing into the next run if need be).
  inline void step(int64_t bytes) {
    ahead_ += bytes;
    while (bytes > 0 && r_ < count_) {
      const int64_t left = run_[r_].bytes - off_, n = bytes < left ? bytes : left;
      prefetch_lines(run_[r_].p + off_, n);
      off_ += n, bytes -= n;
      if (off_ == run_[r_].bytes) ++r_, off_ = 0;
    }
  }

  struct Run {
    const uint8_t* p;
    int64_t bytes;
  };
  Run run_[kMaxRuns];
  int count_ = 0;
  int r_ = 0;          // the run being prefetched
  int64_t off_ = 0;    // bytes of it prefetched
  int64_t ahead_ = 0;  // bytes prefetched in all
};

}  // namespace
}  // namespace t3
}  // namespace ryzen
