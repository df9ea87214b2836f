// AVX-512 activation quantization into A32 / A256 rows (layout in scalar/quant_kernels.h).
// Bit-identical to the scalar version: same absmax, d = amax/127, id = 1/d, q = rint(x*id)
// (vcvtps2dq rounds to nearest even like lrintf) clamped to +-127, exact int16 group sums.
// ISA rule: only intrinsics, static helpers and the extern functions below.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <stdint.h>
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx512 {
namespace {

static inline float absmax(const float* x, int64_t len) {
  const __m512 sign = _mm512_set1_ps(-0.0f);
  __m512 m = _mm512_setzero_ps();
  for (int64_t j = 0; j < len; j += 16) m = _mm512_max_ps(m, _mm512_andnot_ps(sign, _mm512_loadu_ps(x + j)));
  return _mm512_reduce_max_ps(m);
}

// Quantizes `len` (multiple of 16) floats with scale d; writes int8 and one int16 sum per 16.
static inline void quantize_run(const float* x, int64_t len, float id, int8_t* q, int16_t* sums16) {
  const __m512 idv = _mm512_set1_ps(id);
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  for (int64_t j = 0; j < len; j += 16) {
    __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + j), idv));
    v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    _mm_storeu_si128((__m128i*)(q + j), _mm512_cvtepi32_epi8(v));
    if (sums16) sums16[j / 16] = (int16_t)_mm512_reduce_add_epi32(v);
  }
}

}  // namespace

#include "scalar/quant_acts_rows.inc"

}  // namespace avx512
}  // namespace ryzen
