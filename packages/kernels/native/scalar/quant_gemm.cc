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

// Integer dot of n unsigned codes with n int8 activations (a plain loop the compiler vectorizes).
inline int dot_u8_i8(const uint8_t* q, const int8_t* x, int n) {
  int s = 0;
  for (int j = 0; j < n; j++) s += q[j] * x[j];
  return s;
}

float dot_q4_K(const uint8_t* w, const uint8_t* a, int64_t K) {
  const int8_t* aq = a256_q(a);
  const float* ad = a256_d(a, K);
  const int16_t* as = a256_sum(a, K);
  float sum = 0.0f;
  uint8_t q[256];
  for (int64_t b = 0; b < K / 256; b++, w += kQ4_KBlock) {
    const float d = fp16_to_f32((uint16_t)(w[0] | (w[1] << 8)));
    const float dmin = fp16_to_f32((uint16_t)(w[2] | (w[3] << 8)));
    const uint8_t* qs = w + 16;
    for (int p = 0; p < 4; p++)  // pair p: low nibbles = sub-block 2p, high nibbles = 2p+1
      for (int l = 0; l < 32; l++) q[64 * p + l] = qs[32 * p + l] & 0xF, q[64 * p + 32 + l] = qs[32 * p + l] >> 4;
    const int8_t* x = aq + b * 256;
    int sdot = 0, smin = 0;
    for (int j = 0; j < 8; j++) {
      uint8_t sc, m;
      q4k_scale_min(j, w + 4, &sc, &m);
      sdot += sc * dot_u8_i8(q + 32 * j, x + 32 * j, 32);
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
  uint8_t q[256];
  for (int64_t b = 0; b < K / 256; b++, w += kQ6_KBlock) {
    const uint8_t* ql = w;
    const uint8_t* qh = w + 128;
    const int8_t* sc = (const int8_t*)(w + 192);
    const float d = fp16_to_f32((uint16_t)(w[208] | (w[209] << 8)));
    for (int h = 0; h < 2; h++) {  // codes 0..63, stored +32
      for (int l = 0; l < 32; l++) {
        const uint8_t lo = ql[64 * h + l], hi = ql[64 * h + 32 + l], hb = qh[32 * h + l];
        q[128 * h + l] = (uint8_t)((lo & 0xF) | ((hb & 3) << 4));
        q[128 * h + 32 + l] = (uint8_t)((hi & 0xF) | (((hb >> 2) & 3) << 4));
        q[128 * h + 64 + l] = (uint8_t)((lo >> 4) | (((hb >> 4) & 3) << 4));
        q[128 * h + 96 + l] = (uint8_t)((hi >> 4) | (((hb >> 6) & 3) << 4));
      }
    }
    const int8_t* x = aq + b * 256;
    int total = 0;
    for (int g = 0; g < 16; g++) total += sc[g] * (dot_u8_i8(q + 16 * g, x + 16 * g, 16) - 32 * as[b * 16 + g]);
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
