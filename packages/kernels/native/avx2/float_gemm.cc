// AVX2+FMA (+F16C) matmul kernels for F32 / F16 / BF16 weights and f32 activations; each
// 8-wide weight chunk is converted once and applied to up to 4 tokens. Also the AVX2 table.
// GCC 12 warns about its own AVX-512 intrinsic headers (`__Y = __Y` placeholders).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

constexpr int kTile = 4;

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline __m256 ld_f32(const uint8_t* w, int64_t k) { return _mm256_loadu_ps((const float*)w + k); }
static inline __m256 ld_f16(const uint8_t* w, int64_t k) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)((const uint16_t*)w + k)));
}
static inline __m256 ld_bf16(const uint8_t* w, int64_t k) {
  const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)((const uint16_t*)w + k)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}
static inline float one_f32(const uint8_t* w, int64_t k) { return ((const float*)w)[k]; }
static inline float one_f16(const uint8_t* w, int64_t k) { return _cvtsh_ss(((const uint16_t*)w)[k]); }
static inline float one_bf16(const uint8_t* w, int64_t k) {
  uint32_t u = (uint32_t)((const uint16_t*)w)[k] << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

template <int NT, __m256 (*Ld)(const uint8_t*, int64_t), float (*One)(const uint8_t*, int64_t)>
static void row(const uint8_t* w, const float* const* x, int64_t K, float* out) {
  __m256 acc0[NT], acc1[NT];
  for (int t = 0; t < NT; t++) acc0[t] = acc1[t] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    const __m256 w0 = Ld(w, k), w1 = Ld(w, k + 8);
    for (int t = 0; t < NT; t++) {
      acc0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + k), acc0[t]);
      acc1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x[t] + k + 8), acc1[t]);
    }
  }
  for (; k + 8 <= K; k += 8) {
    const __m256 w0 = Ld(w, k);
    for (int t = 0; t < NT; t++) acc0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + k), acc0[t]);
  }
  for (int t = 0; t < NT; t++) {
    float s = hsum(_mm256_add_ps(acc0[t], acc1[t]));
    for (int64_t j = k; j < K; j++) s += One(w, j) * x[t][j];
    out[t] = s;
  }
}

template <__m256 (*Ld)(const uint8_t*, int64_t), float (*One)(const uint8_t*, int64_t)>
static void gemm(const GemmArgs& g) {
  for (int64_t r = g.r0; r < g.r1; r++) {
    const uint8_t* w = g.w + r * g.w_row_bytes;
    for (int64_t t0 = 0; t0 < g.n; t0 += kTile) {
      const int nt = (int)(g.n - t0 < kTile ? g.n - t0 : kTile);
      const float* x[kTile];
      float out[kTile];
      for (int t = 0; t < nt; t++) x[t] = g.x + (t0 + t) * g.ldx;
      switch (nt) {
        case 1: row<1, Ld, One>(w, x, g.K, out); break;
        case 2: row<2, Ld, One>(w, x, g.K, out); break;
        case 3: row<3, Ld, One>(w, x, g.K, out); break;
        default: row<4, Ld, One>(w, x, g.K, out); break;
      }
      for (int t = 0; t < nt; t++) g.y[(t0 + t) * g.ldy + r] = out[t];
    }
  }
}

static void gemm_f32(const GemmArgs& g) { gemm<ld_f32, one_f32>(g); }
static void gemm_f16(const GemmArgs& g) { gemm<ld_f16, one_f16>(g); }
static void gemm_bf16(const GemmArgs& g) { gemm<ld_bf16, one_bf16>(g); }

const FormatKernels kTable = {gemm_f32, gemm_f16, gemm_bf16, gemm_q8_0, gemm_q4_0, gemm_q4_K, gemm_q6_K, quantize_acts_a32, quantize_acts_a256};

}  // namespace

const FormatKernels& format_kernels() { return kTable; }

}  // namespace avx2
}  // namespace ryzen
