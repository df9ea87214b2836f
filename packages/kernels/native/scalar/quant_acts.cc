// Activation quantization for the integer matmul kernels (A32 / A256 rows, see quant_kernels.h).
// Scalar on purpose: it is O(n*K) next to the O(n*K*N) matmul, and one implementation keeps the
// integer results identical on every ISA path.
#include <cmath>
#include <cstring>
#include "quant_kernels.h"

namespace ryzen {
namespace {

// Round to nearest even for |v| < 2^22 via the 1.5*2^23 constant (same result as lrintf and
// vcvtps2dq in the default rounding mode, without a libm call).
inline int round_even(float v) {
  const float t = v + 12582912.0f;
  int32_t i;
  std::memcpy(&i, &t, 4);
  return (i & 0x007fffff) - 0x00400000;
}

// Quantize `len` floats with one absmax scale; returns the scale.
float quantize_block(const float* x, int64_t len, int8_t* q) {
  float amax = 0.0f;
  for (int64_t j = 0; j < len; j++) {
    const float a = std::fabs(x[j]);
    amax = a > amax ? a : amax;
  }
  const float d = amax / 127.0f;
  const float id = d > 0.0f ? 1.0f / d : 0.0f;
  for (int64_t j = 0; j < len; j++) {
    // |x*id| <= 127 up to rounding; clamp so a rounding excursion can never produce 128.
    const int v = round_even(x[j] * id);
    q[j] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
  }
  return d;
}

int16_t sum16(const int8_t* q, int len) {
  int s = 0;
  for (int j = 0; j < len; j++) s += q[j];
  return (int16_t)s;
}

}  // namespace

void quantize_acts_a32(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const size_t rb = a32_row_bytes(K);
  for (int64_t t = t0; t < t1; t++) {
    uint8_t* row = scratch + t * rb;
    int8_t* q = (int8_t*)row;
    float* d = (float*)(row + K);
    int16_t* s = (int16_t*)(row + K + (K / 32) * 4);
    for (int64_t b = 0; b < K / 32; b++) {
      d[b] = quantize_block(x + t * ldx + b * 32, 32, q + b * 32);
      s[b] = sum16(q + b * 32, 32);
    }
  }
}

void quantize_acts_a256(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const size_t rb = a256_row_bytes(K);
  for (int64_t t = t0; t < t1; t++) {
    uint8_t* row = scratch + t * rb;
    int8_t* q = (int8_t*)row;
    float* d = (float*)(row + K);
    int16_t* s = (int16_t*)(row + K + (K / 256) * 4);
    for (int64_t b = 0; b < K / 256; b++) d[b] = quantize_block(x + t * ldx + b * 256, 256, q + b * 256);
    for (int64_t g = 0; g < K / 16; g++) s[g] = sum16(q + g * 16, 16);
  }
}

}  // namespace ryzen
