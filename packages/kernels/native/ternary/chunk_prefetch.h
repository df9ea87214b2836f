// Weight prefetch for the MAD GEMMs, which decode a group of tiles one K-chunk at a time and then
// pass every token over the decoded chunk. The next chunk's weights are fetched a few lines per
// token block while the tokens pass over this one, so the next decode finds them in L1. Measured
// on Zen 5, AVX-512, 128 tokens, weights in DRAM (as in prefill): decoding otherwise waited on
// them for ~6 % of the GEMM; issuing all ~110 prefetches at once did not help (most seem to be
// dropped once the miss buffers are full).
//
// In an anonymous namespace and intrinsic-free, so each ISA translation unit gets its own copy
// (see the ISA rule).
#pragma once
#include <cstdint>
#include "ternary/kernels.h"

namespace ryzen {
namespace t3 {
namespace {

class NextChunkPrefetch {
 public:
  static const int kMaxSegs = 8;  // group tiles x chunk segments

  // The chunk after segments [.., s1) of the `group` tiles from `tile` (tiles < end): the group's
  // next chunk, else the next group's first.
  NextChunkPrefetch(const Args& a, int64_t tile, int group, int chunk, int64_t s1, int64_t end) {
    const int64_t segs = segments(a.K);
    if (s1 >= segs) tile += group, s1 = 0;
    const int64_t s2 = segs - s1 < chunk ? segs : s1 + chunk;
    for (int64_t t = tile; t < end && t < tile + group; ++t)
      for (int64_t s = s1; s < s2 && count_ < kMaxSegs; ++s) seg_[count_++] = a.codes + seg_offset(a.rows, a.K, t, s);
  }

  // One of `steps` calls spread over the tokens: issues its share of the lines.
  void step(int64_t steps) {
    const int64_t lines = count_ * kSegLines, per = (lines + steps - 1) / steps;
    for (int64_t e = 0; e < per && next_ < lines; ++e, ++next_) issue(next_);
  }
  // Issues whatever step() has not (too few token blocks).
  void finish() {
    for (; next_ < count_ * kSegLines; ++next_) issue(next_);
  }

 private:
  static const int kSegLines = (kSegBytes + 63) / 64;
  void issue(int64_t line) const { __builtin_prefetch(seg_[line / kSegLines] + (line % kSegLines) * 64, 0, 3); }

  const uint8_t* seg_[kMaxSegs];
  int count_ = 0;
  int64_t next_ = 0;
};

}  // namespace
}  // namespace t3
}  // namespace ryzen
