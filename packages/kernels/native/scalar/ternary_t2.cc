// Portable reference kernel over the T2 layout (t2.h): per 256-weight block the integer sum of
// codes (w+1) x int8 activations minus the block's activation sum, then the same float operations
// as the T3 kernels (scalar/ternary_kernels.cc), so with one tensor scale every ternary kernel
// gives the same bits.
#include <cstdint>
#include "ternary/kernels.h"
#include "ternary/t2.h"

namespace ryzen {
namespace scalar {

void ternary_t2_compute(const t3::Args& a) {
  const int64_t segs = t3::segments(a.K), rec = t3::mad_record_bytes(a.K), rb = t2::row_bytes(a.K);
  for (int64_t r = a.r0; r < a.r1; ++r) {
    const uint8_t* row = a.codes + r * rb;
    for (int64_t t = 0; t < a.n; ++t) {
      const uint8_t* rc = a.acts + t * rec;
      const auto* hdr = reinterpret_cast<const t3::ActHeader*>(rc);
      const int32_t* asum = reinterpret_cast<const int32_t*>(rc + 64);
      const int8_t* q = reinterpret_cast<const int8_t*>(rc + 64 + t3::mad_sums_bytes(a.K));
      float acc = 0.0f;
      int64_t isum = 0;
      for (int64_t s = 0; s < segs; ++s) {
        int32_t b = 0;
        for (int64_t k = s * 256; k < (s + 1) * 256; ++k) b += t2::code_at(row, k) * q[k];
        b -= asum[s];
        if (a.layout == t3::kLayoutBlock) acc += (float)b * a.block_scales[r * segs + s];
        else isum += b;
      }
      a.y[t * a.ldy + r] = a.layout == t3::kLayoutBlock ? acc * hdr->inv_scale : (float)isum * (a.scale * hdr->inv_scale);
    }
  }
}

}  // namespace scalar
}  // namespace ryzen
