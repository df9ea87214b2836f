// Scalar integer matmul kernels for Q8_0 / Q4_0 (A32 activations) and Q4_K / Q6_K (A256
// activations). The portable fallback and the readable definition the SIMD kernels must match.
#include "core/fp16.h"
#include "quant_kernels.h"

namespace ryzen {
namespace scalar {
namespace {

float dot_q8_0(const uint8_t* w, const uint8_t* a, int64_t K) {
  const int8_t* aq = a32_q(a);
  const float* ad = a32_d(a, K);
  float sum = 0.0f;
  for (int64_t b = 0; b < K / 32; b++, w += kQ8_0Block) {
    uint16_t h = (uint16_t)(w[0] | (w[1] << 8));
    const int8_t* q = (const int8_t*)(w + 2);
    int dot = 0;
    for (int j = 0; j < 32; j++) dot += q[j] * aq[b * 32 + j];
    sum += fp16_to_f32(h) * ad[b] * (float)dot;
  }
  return sum;
}

float dot_q4_0(const uint8_t* w, const uint8_t* a, int64_t K) {
  const int8_t* aq = a32_q(a);
  const float* ad = a32_d(a, K);
  const int16_t* as = a32_sum(a, K);
  float sum = 0.0f;
  for (int64_t b = 0; b < K / 32; b++, w += kQ4_0Block) {
    uint16_t h = (uint16_t)(w[0] | (w[1] << 8));
    const uint8_t* q = w + 2;
    const int8_t* x = aq + b * 32;
    int dot = 0;
    for (int j = 0; j < 16; j++) dot += (q[j] & 0xF) * x[j] + (q[j] >> 4) * x[j + 16];
    sum += fp16_to_f32(h) * ad[b] * (float)(dot - 8 * as[b]);
  }
  return sum;
}

float dot_q4_K(const uint8_t* w, const uint8_t* a, int64_t K) {
  const int8_t* aq = a256_q(a);
  const float* ad = a256_d(a, K);
  const int16_t* as = a256_sum(a, K);
  float sum = 0.0f;
  for (int64_t b = 0; b < K / 256; b++, w += kQ4_KBlock) {
    const float d = fp16_to_f32((uint16_t)(w[0] | (w[1] << 8)));
    const float dmin = fp16_to_f32((uint16_t)(w[2] | (w[3] << 8)));
    const uint8_t* scales = w + 4;
    const uint8_t* qs = w + 16;
    const int8_t* x = aq + b * 256;
    int sdot = 0, smin = 0;
    for (int j = 0; j < 8; j++) {
      uint8_t sc, m;
      q4k_scale_min(j, scales, &sc, &m);
      const uint8_t* q = qs + (j / 2) * 32;
      const int shift = (j & 1) * 4;
      int dot = 0;
      for (int l = 0; l < 32; l++) dot += ((q[l] >> shift) & 0xF) * x[j * 32 + l];
      sdot += sc * dot;
      smin += m * (as[b * 16 + 2 * j] + as[b * 16 + 2 * j + 1]);
    }
    sum += ad[b] * (d * (float)sdot - dmin * (float)smin);
  }
  return sum;
}

float dot_q6_K(const uint8_t* w, const uint8_t* a, int64_t K) {
  const int8_t* aq = a256_q(a);
  const float* ad = a256_d(a, K);
  const int16_t* as = a256_sum(a, K);
  float sum = 0.0f;
  for (int64_t b = 0; b < K / 256; b++, w += kQ6_KBlock) {
    const uint8_t* ql = w;
    const uint8_t* qh = w + 128;
    const int8_t* sc = (const int8_t*)(w + 192);
    const float d = fp16_to_f32((uint16_t)(w[208] | (w[209] << 8)));
    const int8_t* x = aq + b * 256;
    int dots[16] = {0};
    for (int h = 0; h < 2; h++) {
      for (int l = 0; l < 32; l++) {
        const uint8_t lo = ql[64 * h + l], hi = ql[64 * h + 32 + l], hb = qh[32 * h + l];
        const int base = 128 * h + l;
        dots[(base + 0) / 16] += ((lo & 0xF) | ((hb & 3) << 4)) * x[base + 0];
        dots[(base + 32) / 16] += ((hi & 0xF) | (((hb >> 2) & 3) << 4)) * x[base + 32];
        dots[(base + 64) / 16] += ((lo >> 4) | (((hb >> 4) & 3) << 4)) * x[base + 64];
        dots[(base + 96) / 16] += ((hi >> 4) | (((hb >> 6) & 3) << 4)) * x[base + 96];
      }
    }
    int total = 0;
    for (int g = 0; g < 16; g++) total += sc[g] * (dots[g] - 32 * as[b * 16 + g]);
    sum += d * ad[b] * (float)total;
  }
  return sum;
}

template <float (*Dot)(const uint8_t*, const uint8_t*, int64_t)>
void gemm(const GemmArgs& g) {
  for (int64_t r = g.r0; r < g.r1; r++) {
    const uint8_t* w = g.w + r * g.w_row_bytes;
    for (int64_t t = 0; t < g.n; t++) g.y[t * g.ldy + r] = Dot(w, g.acts + t * g.act_row_bytes, g.K);
  }
}

}  // namespace

void gemm_q8_0(const GemmArgs& g) { gemm<dot_q8_0>(g); }
void gemm_q4_0(const GemmArgs& g) { gemm<dot_q4_0>(g); }
void gemm_q4_K(const GemmArgs& g) { gemm<dot_q4_K>(g); }
void gemm_q6_K(const GemmArgs& g) { gemm<dot_q6_K>(g); }

}  // namespace scalar
}  // namespace ryzen
