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

void quantize_acts_a32(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const size_t rb = a32_row_bytes(K);
  for (int64_t t = t0; t < t1; t++) {
    uint8_t* row = scratch + t * rb;
    float* d = (float*)(row + K);
    int16_t* s = (int16_t*)(row + K + (K / 32) * 4);
    for (int64_t b = 0; b < K / 32; b++) {
      const float* xb = x + t * ldx + b * 32;
      const float amax = absmax(xb, 32);
      d[b] = amax / 127.0f;
      int16_t half[2];
      quantize_run(xb, 32, d[b] > 0.0f ? 1.0f / d[b] : 0.0f, (int8_t*)row + b * 32, half);
      s[b] = (int16_t)(half[0] + half[1]);
    }
  }
}

void quantize_acts_a256(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const size_t rb = a256_row_bytes(K);
  for (int64_t t = t0; t < t1; t++) {
    uint8_t* row = scratch + t * rb;
    float* d = (float*)(row + K);
    int16_t* s = (int16_t*)(row + K + (K / 256) * 4);
    for (int64_t b = 0; b < K / 256; b++) {
      const float* xb = x + t * ldx + b * 256;
      d[b] = absmax(xb, 256) / 127.0f;
      quantize_run(xb, 256, d[b] > 0.0f ? 1.0f / d[b] : 0.0f, (int8_t*)row + b * 256, s + b * 16);
    }
  }
}

}  // namespace avx512
}  // namespace ryzen
