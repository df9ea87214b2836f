// AVX2 activation quantization into A32 / A256 rows (layout in scalar/quant_kernels.h).
// Bit-identical to the scalar version: same absmax, d = amax/127, id = 1/d, q = rint(x*id)
// (vcvtps2dq rounds to nearest even like lrintf) clamped to +-127, exact int16 group sums.
// ISA rule: only intrinsics, static helpers and the extern functions below.
#include <immintrin.h>
#include <stdint.h>
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

static inline float absmax(const float* x, int64_t len) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int64_t j = 0; j < len; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
  __m128 r = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  r = _mm_max_ps(r, _mm_movehl_ps(r, r));
  r = _mm_max_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

static inline int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// 32 floats per step (len multiple of 32); one int16 sum per 16 values.
static inline void quantize_run(const float* x, int64_t len, float id, int8_t* q, int16_t* sums16) {
  const __m256 idv = _mm256_set1_ps(id);
  const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
  for (int64_t j = 0; j < len; j += 32) {
    __m256i v[4];
    for (int k = 0; k < 4; k++) {
      v[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), idv));
      v[k] = _mm256_min_epi32(_mm256_max_epi32(v[k], lo), hi);
    }
    sums16[j / 16] = (int16_t)hsum_i32(_mm256_add_epi32(v[0], v[1]));
    sums16[j / 16 + 1] = (int16_t)hsum_i32(_mm256_add_epi32(v[2], v[3]));
    // packs work per 128-bit lane: restore element order with a dword permute
    const __m256i p16a = _mm256_packs_epi32(v[0], v[1]), p16b = _mm256_packs_epi32(v[2], v[3]);
    const __m256i p8 = _mm256_packs_epi16(p16a, p16b);
    _mm256_storeu_si256((__m256i*)(q + j), _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
}

}  // namespace

#include "scalar/quant_acts_rows.inc"

}  // namespace avx2
}  // namespace ryzen
