// AVX2+FMA (+F16C) matmul kernels for F32 / F16 / BF16 weights and f32 activations; each
// 8-wide weight chunk is converted once and applied to up to 4 tokens. Also the AVX2 table.
// GCC 12 warns about its own AVX-512 intrinsic headers (`__Y = __Y` placeholders).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "core/prefetch.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

constexpr int kTile = 3;  // tokens per pass over a row: 12 accumulators of the 16 ymm registers

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

// Four accumulators per token, so decode (one token) is not bound by the fma latency chain: with
// two it caught up too slowly after each wait on memory (F16 GEMV at ~80 % of the read bandwidth).
// Every token count runs the same chains in the same order (a token's bits do not depend on its batch).
template <int NT, __m256 (*Ld)(const uint8_t*, int64_t), float (*One)(const uint8_t*, int64_t), int ES>
static void row(const uint8_t* w, const float* const* x, int64_t K, float* out) {
  __m256 acc[4][NT];
  for (int j = 0; j < 4; j++)
    for (int t = 0; t < NT; t++) acc[j][t] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    if (NT == 1) prefetch_lines(w + k * ES + kPrefetchAheadBytes, 32 * ES);  // decode streams the rows once
    for (int j = 0; j < 4; j++) {
      const __m256 wj = Ld(w, k + 8 * j);
      for (int t = 0; t < NT; t++) acc[j][t] = _mm256_fmadd_ps(wj, _mm256_loadu_ps(x[t] + k + 8 * j), acc[j][t]);
    }
  }
  for (; k + 8 <= K; k += 8) {
    const __m256 w0 = Ld(w, k);
    for (int t = 0; t < NT; t++) acc[0][t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + k), acc[0][t]);
  }
  for (int t = 0; t < NT; t++) {
    float s = hsum(_mm256_add_ps(_mm256_add_ps(acc[0][t], acc[1][t]), _mm256_add_ps(acc[2][t], acc[3][t])));
    for (int64_t j = k; j < K; j++) s += One(w, j) * x[t][j];
    out[t] = s;
  }
}

// Row r for every token, kTile tokens per pass over the weights at w (read by Ld / One, ES bytes each).
template <__m256 (*Ld)(const uint8_t*, int64_t), float (*One)(const uint8_t*, int64_t), int ES>
static void row_all_tokens(const GemmArgs& g, const uint8_t* w, int64_t r) {
  for (int64_t t0 = 0; t0 < g.n; t0 += kTile) {
    const int nt = (int)(g.n - t0 < kTile ? g.n - t0 : kTile);
    const float* x[kTile];
    float out[kTile];
    for (int t = 0; t < nt; t++) x[t] = g.x + (t0 + t) * g.ldx;
    if (nt == 1) row<1, Ld, One, ES>(w, x, g.K, out);
    else if (nt == 2) row<2, Ld, One, ES>(w, x, g.K, out);
    else row<3, Ld, One, ES>(w, x, g.K, out);
    for (int t = 0; t < nt; t++) g.y[(t0 + t) * g.ldy + r] = out[t];
  }
}

// Prefill over 16-bit weights widens each row to f32 once, as the AVX-512 kernel does (same bits).
constexpr int64_t kWideRow = 16384;

template <__m256 (*Ld)(const uint8_t*, int64_t), float (*One)(const uint8_t*, int64_t)>
__attribute__((noinline)) static void gemm_widened(const GemmArgs& g) {
  alignas(32) float wide[kWideRow];
  for (int64_t r = g.r0; r < g.r1; r++) {
    const uint8_t* w = g.w + r * g.w_row_bytes;
    int64_t k = 0;
    for (; k + 8 <= g.K; k += 8) _mm256_store_ps(wide + k, Ld(w, k));
    for (; k < g.K; k++) wide[k] = One(w, k);
    row_all_tokens<ld_f32, one_f32, 4>(g, reinterpret_cast<const uint8_t*>(wide), r);
  }
}

template <__m256 (*Ld)(const uint8_t*, int64_t), float (*One)(const uint8_t*, int64_t), int ES>
static void gemm(const GemmArgs& g) {
  if (ES == 2 && g.n > kTile && g.K <= kWideRow) return gemm_widened<Ld, One>(g);
  for (int64_t r = g.r0; r < g.r1; r++) row_all_tokens<Ld, One, ES>(g, g.w + r * g.w_row_bytes, r);
}

static void gemm_f32(const GemmArgs& g) { gemm<ld_f32, one_f32, 4>(g); }
static void gemm_f16(const GemmArgs& g) { gemm<ld_f16, one_f16, 2>(g); }
static void gemm_bf16(const GemmArgs& g) { gemm<ld_bf16, one_bf16, 2>(g); }

const FormatKernels kTable = {gemm_f32, gemm_f16, gemm_bf16, gemm_q8_0, gemm_q4_0, gemm_q4_K, gemm_q6_K, quantize_acts_a32, quantize_acts_a256};

}  // namespace

const FormatKernels& format_kernels() { return kTable; }

}  // namespace avx2
}  // namespace ryzen
