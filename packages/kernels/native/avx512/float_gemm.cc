// AVX-512 matmul kernels for F32 / F16 / BF16 weights and f32 activations (masked tails, so any
// K); each 16-wide weight chunk is converted once and applied to up to 4 tokens. Also the AVX-512
// kernel table.
// GCC 12 warns about its own AVX-512 intrinsic headers (`__Y = __Y` placeholders).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <cstdint>
#include "core/prefetch.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx512 {
namespace {

constexpr int kTile = 4;

static inline __m512 ld_f32(const uint8_t* w, int64_t k, __mmask16 m) {
  return _mm512_maskz_loadu_ps(m, (const float*)w + k);
}
static inline __m512 ld_f16(const uint8_t* w, int64_t k, __mmask16 m) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t*)w + k));
}
static inline __m512 ld_bf16(const uint8_t* w, int64_t k, __mmask16 m) {
  const __m512i v = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, (const uint16_t*)w + k));
  return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
}

// Four accumulators per token, so decode (one token) is not bound by the fma latency chain after
// each wait on memory; every token count runs the same chains in the same order (a token's bits
// do not depend on its batch).
template <int NT, __m512 (*Ld)(const uint8_t*, int64_t, __mmask16), int ES>
static void row(const uint8_t* w, const float* const* x, int64_t K, float* out) {
  __m512 acc[4][NT];
  for (int j = 0; j < 4; j++)
    for (int t = 0; t < NT; t++) acc[j][t] = _mm512_setzero_ps();
  const __mmask16 all = 0xFFFF;
  int64_t k = 0;
  for (; k + 64 <= K; k += 64) {
    // decode streams the rows once: fetch ~9 KB ahead (core/prefetch.h). With the four chains, F16
    // GEMV went from 77 to 94 % of the read bandwidth at 1 thread (Xeon, 2560 x 128256)
    if (NT == 1) prefetch_lines(w + k * ES + kPrefetchAheadBytes, 64 * ES);
    for (int j = 0; j < 4; j++) {
      const __m512 wj = Ld(w, k + 16 * j, all);
      for (int t = 0; t < NT; t++) acc[j][t] = _mm512_fmadd_ps(wj, _mm512_loadu_ps(x[t] + k + 16 * j), acc[j][t]);
    }
  }
  for (; k < K; k += 16) {
    const __mmask16 m = K - k >= 16 ? all : (__mmask16)((1u << (K - k)) - 1);
    const __m512 w0 = Ld(w, k, m);
    for (int t = 0; t < NT; t++) acc[0][t] = _mm512_fmadd_ps(w0, _mm512_maskz_loadu_ps(m, x[t] + k), acc[0][t]);
  }
  for (int t = 0; t < NT; t++)
    out[t] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0][t], acc[1][t]), _mm512_add_ps(acc[2][t], acc[3][t])));
}

// Row r for every token, kTile tokens per pass over the weights at w (read by Ld, ES bytes each).
template <__m512 (*Ld)(const uint8_t*, int64_t, __mmask16), int ES>
static void row_all_tokens(const GemmArgs& g, const uint8_t* w, int64_t r) {
  for (int64_t t0 = 0; t0 < g.n; t0 += kTile) {
    const int nt = (int)(g.n - t0 < kTile ? g.n - t0 : kTile);
    const float* x[kTile];
    float out[kTile];
    for (int t = 0; t < nt; t++) x[t] = g.x + (t0 + t) * g.ldx;
    switch (nt) {
      case 1: row<1, Ld, ES>(w, x, g.K, out); break;
      case 2: row<2, Ld, ES>(w, x, g.K, out); break;
      case 3: row<3, Ld, ES>(w, x, g.K, out); break;
      default: row<4, Ld, ES>(w, x, g.K, out); break;
    }
    for (int t = 0; t < nt; t++) g.y[(t0 + t) * g.ldy + r] = out[t];
  }
}

// Prefill over 16-bit weights widens each row to f32 once (exactly) and runs every token pass on
// that, instead of converting the row again in each pass: the same values in the same fmas, so
// the same bits as decode. Rows up to kWideRow columns (64 KB of stack).
constexpr int64_t kWideRow = 16384;

template <__m512 (*Ld)(const uint8_t*, int64_t, __mmask16)>
__attribute__((noinline)) static void gemm_widened(const GemmArgs& g) {
  alignas(64) float wide[kWideRow];
  for (int64_t r = g.r0; r < g.r1; r++) {
    const uint8_t* w = g.w + r * g.w_row_bytes;
    for (int64_t k = 0; k < g.K; k += 16) {
      const __mmask16 m = g.K - k >= 16 ? 0xFFFF : (__mmask16)((1u << (g.K - k)) - 1);
      _mm512_mask_storeu_ps(wide + k, m, Ld(w, k, m));
    }
    row_all_tokens<ld_f32, 4>(g, reinterpret_cast<const uint8_t*>(wide), r);
  }
}

template <__m512 (*Ld)(const uint8_t*, int64_t, __mmask16), int ES>
static void gemm(const GemmArgs& g) {
  if (ES == 2 && g.n > kTile && g.K <= kWideRow) return gemm_widened<Ld>(g);
  for (int64_t r = g.r0; r < g.r1; r++) row_all_tokens<Ld, ES>(g, g.w + r * g.w_row_bytes, r);
}

static void gemm_f32(const GemmArgs& g) { gemm<ld_f32, 4>(g); }
static void gemm_f16(const GemmArgs& g) { gemm<ld_f16, 2>(g); }
static void gemm_bf16(const GemmArgs& g) { gemm<ld_bf16, 2>(g); }

const FormatKernels kTable = {gemm_f32, gemm_f16, gemm_bf16, gemm_q8_0, gemm_q4_0, gemm_q4_K, gemm_q6_K, quantize_acts_a32, quantize_acts_a256};

}  // namespace

const FormatKernels& format_kernels() { return kTable; }

}  // namespace avx512
}  // namespace ryzen
