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
#include "ternary/t2.h"

namespace ryzen {
namespace t3 {
namespace {

class NextChunkPrefetch {
 public:
  // The chunk after segments [.., s1) of the `group` tiles from `tile` (tiles < end): the group's
  // next chunk, else the next group's first. T3: each tile's segments of the chunk; T2: the 16
  // rows' 64-byte pieces of each segment.
  NextChunkPrefetch(const Args& a, bool t2_layout, int64_t tile, int group, int chunk, int64_t s1, int64_t end) {
    const int64_t segs = segments(a.K);
    if (s1 >= segs) tile += group, s1 = 0;
    const int64_t s2 = segs - s1 < chunk ? segs : s1 + chunk;
    for (int64_t t = tile; t < end && t < tile + group; ++t)
      for (int64_t s = s1; s < s2; ++s) {
        if (!t2_layout) {
          add(a.codes + seg_offset(a.rows, a.K, t, s), kSegBytes);
          continue;
        }
        for (int64_t r = t * kTileRows; r < a.rows && r < (t + 1) * kTileRows; ++r)
          add(a.codes + r * t2::row_bytes(a.K) + s * t2::kSegBytes, t2::kSegBytes);
      }
  }

  // One of `steps` calls spread over the tokens: issues its share of the lines.
  void step(int64_t steps) {
    const int64_t per = (count_ + steps - 1) / steps;
    for (int64_t e = 0; e < per && next_ < count_; ++e) issue(next_++);
  }
  // Issues whatever step() has not (too few token blocks).
  void finish() {
    while (next_ < count_) issue(next_++);
  }

 private:
  static const int kMaxLines = 128;  // 8 T3 segments of <= 15 lines; 2 x 2 T2 tile segments of 16
  void add(const uint8_t* p, int64_t bytes) {
    const uintptr_t end = (uintptr_t)p + (uintptr_t)bytes;
    for (uintptr_t l = (uintptr_t)p & ~(uintptr_t)63; l < end && count_ < kMaxLines; l += 64)
      line_[count_++] = reinterpret_cast<const uint8_t*>(l);
  }
  void issue(int i) const { __builtin_prefetch(line_[i], 0, 3); }

  const uint8_t* line_[kMaxLines];
  int count_ = 0;
  int next_ = 0;
};

}  // namespace
}  // namespace t3
}  // namespace ryzen
