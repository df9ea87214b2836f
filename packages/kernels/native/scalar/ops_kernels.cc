// Scalar row kernels of the non-matmul ops: the portable fallback and the plain definition the
// SIMD versions follow (same formulas; GELU is the tanh approximation, as in ggml).
#include "ops_kernels.h"
#include <cmath>
#include <cstring>
#include "core/fp16.h"

namespace ryzen {
namespace scalar {
namespace {

void rms_norm(float* out, const float* x, const float* w, int64_t n, float eps) {
  double ss = 0.0;
  for (int64_t i = 0; i < n; i++) ss += (double)x[i] * x[i];
  const float r = (float)(1.0 / std::sqrt(ss / (double)n + (double)eps));
  for (int64_t i = 0; i < n; i++) out[i] = x[i] * r * (w ? w[i] : 1.0f);
}
void add(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}
void mul(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}
void scale(float* out, const float* x, float s, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = x[i] * s;
}
inline float silu1(float x) { return x / (1.0f + std::exp(-x)); }
inline float gelu1(float x) {
  const float u = 0.7978845608028654f * x * (1.0f + 0.044715f * x * x);
  return 0.5f * x * (1.0f + std::tanh(u));
}
inline float relu21(float x) { return x > 0.0f ? x * x : 0.0f; }
void silu(float* out, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = silu1(x[i]);
}
void gelu(float* out, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = gelu1(x[i]);
}
void relu2(float* out, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = relu21(x[i]);
}
void silu_mul(float* out, const float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = silu1(g[i]) * u[i];
}
void relu2_mul(float* out, const float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = relu21(g[i]) * u[i];
}
void softmax(float* out, const float* x, int64_t n) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
  if (m == -INFINITY) {  // fully masked row: no probability mass anywhere
    for (int64_t i = 0; i < n; i++) out[i] = 0.0f;
    return;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) sum += (out[i] = std::exp(x[i] - m));
  const float inv = (float)(1.0 / sum);
  for (int64_t i = 0; i < n; i++) out[i] *= inv;
}

void encode_f16(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const uint16_t h = f32_to_fp16(src[i]);
    dst[2 * i] = (uint8_t)(h & 0xff);
    dst[2 * i + 1] = (uint8_t)(h >> 8);
  }
}

void rope_rotate(const float* cs, const float* x, float* out, int64_t nh, int64_t hd, int64_t n_rot, int mode) {
  const int64_t half = n_rot / 2;
  for (int64_t h = 0; h < nh; h++, x += hd, out += hd)
    for (int64_t i = 0; i < half; i++) {
      const int64_t i0 = mode == 0 ? 2 * i : i, i1 = mode == 0 ? 2 * i + 1 : i + half;
      const float c = cs[i], s = cs[half + i];
      const float x0 = x[i0], x1 = x[i1];
      out[i0] = x0 * c - x1 * s;
      out[i1] = x0 * s + x1 * c;
    }
}

void decode_f32(const uint8_t* row, float* out, int64_t hd) { std::memcpy(out, row, (size_t)hd * sizeof(float)); }
void decode_f16(const uint8_t* row, float* out, int64_t hd) {
  for (int64_t i = 0; i < hd; i++) out[i] = fp16_to_f32((uint16_t)(row[2 * i] | (row[2 * i + 1] << 8)));
}
void decode_q8_0(const uint8_t* row, float* out, int64_t hd) {
  for (int64_t i = 0; i < hd; i++) {
    const uint8_t* b = row + (i / 32) * 34;
    out[i] = fp16_to_f32((uint16_t)(b[0] | (b[1] << 8))) * (float)(int8_t)b[2 + i % 32];
  }
}

#include "scalar/attend_segments.inc"

// Online softmax, position by position: a running max m, normalizer l and weighted sum acc per
// query; acc and l are rescaled whenever the max grows; segments folded as for_segments does.
// Query g = b * nq + h (token b, head h).
template <void (*Decode)(const uint8_t*, float*, int64_t)>
void attend(const AttendArgs& a) {
  float acc[kAttendAccFloats];
  float kv[kMaxHeadDim];
  float m[kAttendMaxQ], l[kAttendMaxQ], s[kAttendMaxQ];
  const int64_t nq = a.nq, hd = a.hd, total = a.tokens * nq;
  for_segments(a, acc, m, l, total, [&](int64_t seg_begin, int64_t seg_end) {
    for (int64_t p = seg_begin; p < seg_end; p++) {
      const int64_t first = p < a.npos ? 0 : p - a.npos + 1;  // tokens [first, tokens) attend p
      Decode(a.k + p * a.k_stride, kv, hd);
      for (int64_t g = first * nq; g < total; g++) {
        const float* q = a.q + g / nq * a.q_stride + g % nq * hd;
        float d = 0.0f;
        for (int64_t i = 0; i < hd; i++) d += q[i] * kv[i];
        s[g] = d * a.scale;
        if (s[g] > m[g]) {  // new running max: rescale what was accumulated so far
          const float c = std::exp(m[g] - s[g]);
          for (int64_t i = 0; i < hd; i++) acc[g * hd + i] *= c;
          l[g] *= c;
          m[g] = s[g];
        }
        s[g] = m[g] == -INFINITY ? 0.0f : std::exp(s[g] - m[g]);
        l[g] += s[g];
      }
      Decode(a.v + p * a.v_stride, kv, hd);
      for (int64_t g = first * nq; g < total; g++)
        for (int64_t i = 0; i < hd; i++) acc[g * hd + i] += s[g] * kv[i];
    }
  });
}

const OpsKernels kTable = {rms_norm, add,       mul,     scale,          silu,          gelu,
                           relu2,    silu_mul,  relu2_mul, softmax, attend<decode_f16>, attend<decode_q8_0>,
                           attend<decode_f32>, encode_f16, rope_rotate, 32,
                           nullptr,  nullptr,   nullptr,  // no transposed-K path
                           attend_merge};

}  // namespace

const OpsKernels& ops_kernels() { return kTable; }

}  // namespace scalar
}  // namespace ryzen
