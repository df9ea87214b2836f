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
  // next chunk, else the next group's first. T3: each tile's segments of the chunk (listed); T2:
  // the same piece of each of the tiles' rows, walked with a cursor (listing each row's lines
  // first made the 128-token T2 GEMMs 3-7 % slower: AMX, whose groups are one tile pair, and
  // the AVX-512 multiply-add kernel).
  NextChunkPrefetch(const Args& a, bool t2_layout, int64_t tile, int group, int chunk, int64_t s1, int64_t end) {
    const int64_t segs = segments(a.K);
    if (s1 >= segs) tile += group, s1 = 0;
    const int64_t s2 = segs - s1 < chunk ? segs : s1 + chunk;
    const int64_t last = end < tile + group ? end : tile + group;  // tiles [tile, last)
    if (t2_layout) {
      const int64_t r0 = tile * kTileRows, r1 = last * kTileRows < a.rows ? last * kTileRows : a.rows;
      if (r0 >= r1) return;
      // rows are whole segments of 64 bytes from a 64-byte aligned start: each piece is whole lines
      stride_ = t2::row_bytes(a.K);
      row_ = a.codes + r0 * stride_ + s1 * t2::kSegBytes;
      per_row_ = (int)(s2 - s1);
      count_ = (int)(r1 - r0) * per_row_;
      return;
    }
    for (int64_t t = tile; t < last; ++t)
      for (int64_t s = s1; s < s2; ++s) add(a.codes + seg_offset(a.rows, a.K, t, s), kSegBytes);
  }

  // One of `steps` calls spread over the tokens: issues its share of the lines.
  void step(int64_t steps) {
    if (steps != steps_) steps_ = steps, per_ = (int)((count_ + steps - 1) / steps);  // one divide, not one per call
    for (int e = 0; e < per_ && next_ < count_; ++e) issue();
  }
  // Issues whatever step() has not (too few token blocks).
  void finish() {
    while (next_ < count_) issue();
  }

 private:
  static const int kMaxLines = 128;  // 8 T3 segments of <= 15 lines
  void add(const uint8_t* p, int64_t bytes) {
    const uintptr_t end = (uintptr_t)p + (uintptr_t)bytes;
    for (uintptr_t l = (uintptr_t)p & ~(uintptr_t)63; l < end && count_ < kMaxLines; l += 64)
      line_[count_++] = reinterpret_cast<const uint8_t*>(l);
  }
  void issue() {
    if (!row_) {
      __builtin_prefetch(line_[next_++], 0, 3);
      return;
    }
    __builtin_prefetch(row_ + 64 * in_row_, 0, 3);
    ++next_;
    if (++in_row_ == per_row_) in_row_ = 0, row_ += stride_;
  }

  const uint8_t* line_[kMaxLines];  // T3
  const uint8_t* row_ = nullptr;    // T2: the current row's piece, its lines, the row stride
  int per_row_ = 0, in_row_ = 0;
  int64_t stride_ = 0;
  int count_ = 0;
  int next_ = 0;
  int64_t steps_ = 0;  // step()'s last count of steps, and the lines per step it gives
  int per_ = 0;
};

}  // namespace
}  // namespace t3
}  // namespace ryzen
