// Portable reference kernels over the T3 layout: the definition the SIMD kernels must match
// bit for bit (integer sums per 256-block, then the same float operations in the same order).
#include <alloca.h>
#include <cstring>
#include "ternary/kernels.h"
#include "ternary/t3.h"

namespace ryzen {
namespace scalar {
namespace {

// Writes y for rows [r, r+16) ∩ [r0, r1) from per-block integer sums of one token.
struct RowOut {
  float acc[16];
  int64_t isum[16];
};

inline void store(const t3::Args& a, int64_t tile, int64_t t, const RowOut& o, float inv) {
  for (int i = 0; i < 16; ++i) {
    const int64_t r = tile * 16 + i;
    if (r < a.r0 || r >= a.r1) continue;
    a.y[t * a.ldy + r] = a.layout == t3::kLayoutBlock ? o.acc[i] * inv : (float)o.isum[i] * (a.scale * inv);
  }
}

inline void add_block(const t3::Args& a, int64_t tile, int64_t seg, const int32_t* bsum, RowOut& o) {
  const int64_t segs = t3::segments(a.K);
  for (int i = 0; i < 16; ++i) {
    if (a.layout == t3::kLayoutBlock)
      o.acc[i] += (float)bsum[i] * a.block_scales[(tile * segs + seg) * 16 + i];
    else
      o.isum[i] += bsum[i];
  }
}

}  // namespace

void ternary_lut_compute(const t3::Args& a) {
  const int64_t segs = t3::segments(a.K), rec = t3::lut_record_bytes(a.K);
  for (int64_t tile = a.r0 / 16; tile * 16 < a.r1; ++tile) {
    for (int64_t t = 0; t < a.n; ++t) {
      const uint8_t* r = a.acts + t * rec;
      RowOut o = {};
      for (int64_t s = 0; s < segs; ++s) {
        int32_t bsum[16] = {};
        for (int st = 0; st < t3::kStepsPerSeg; ++st) {
          const uint8_t* step = a.codes + t3::seg_offset(a.rows, a.K, tile, s) + st * t3::kStepBytes;
          const uint8_t* tab = r + 64 + (s * t3::kStepsPerSeg + st) * t3::kLutStepBytes;
          for (int L = 0; L < 4; ++L)
            for (int i = 0; i < 16; ++i)
              for (int h = 0; h < 2; ++h) {
                const int m = t3::step_m(step, i, L, h);
                const uint8_t* lo = tab + h * 128 + L * 16;
                const int v = (int16_t)(uint16_t)(lo[m] | (lo[64 + m] << 8));
                const bool neg = t3::step_neg(step, i, L, h);
                bsum[i] += neg ? -v : v;
              }
        }
        add_block(a, tile, s, bsum, o);
      }
      store(a, tile, t, o, reinterpret_cast<const t3::ActHeader*>(r)->inv_scale);
    }
  }
}

void ternary_mad_compute(const t3::Args& a) {
  const int64_t segs = t3::segments(a.K), rec = t3::mad_record_bytes(a.K);
  const int64_t Kp = segs * 256;
  uint8_t* panel = static_cast<uint8_t*>(alloca(16 * Kp));
  for (int64_t tile = a.r0 / 16; tile * 16 < a.r1; ++tile) {
    for (int i = 0; i < 16; ++i) t3::decode_row(a.codes, a.rows, a.K, tile, i, panel + i * Kp);
    for (int64_t t = 0; t < a.n; ++t) {
      const uint8_t* r = a.acts + t * rec;
      const int32_t* asum = reinterpret_cast<const int32_t*>(r + 64);
      const int8_t* q = reinterpret_cast<const int8_t*>(r + 64 + t3::mad_sums_bytes(a.K));
      RowOut o = {};
      for (int64_t s = 0; s < segs; ++s) {
        int32_t bsum[16];
        for (int i = 0; i < 16; ++i) {
          const uint8_t* c = panel + i * Kp + s * 256;
          int32_t acc = 0;
          for (int k = 0; k < 256; ++k) acc += (int32_t)c[k] * q[s * 256 + k];
          bsum[i] = acc - asum[s];  // codes are w+1
        }
        add_block(a, tile, s, bsum, o);
      }
      store(a, tile, t, o, reinterpret_cast<const t3::ActHeader*>(r)->inv_scale);
    }
  }
}

}  // namespace scalar
}  // namespace ryzen
