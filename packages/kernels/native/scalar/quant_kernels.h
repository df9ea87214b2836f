// Per-ISA matmul kernels of the non-ternary weight formats (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)
// and the layout of the quantized activations they read.
//
// Plain C-style declarations only: this header is included both by flag-free format TUs and by the
// SIMD-compiled TUs in native/avx2 and native/avx512, so everything here is a POD, an extern
// function, or a `static inline` helper (each TU keeps its own copy; see the ISA rule).
#pragma once
#include <cstddef>
#include <cstdint>
#include "core/prefetch.h"

namespace ryzen {

// ---- quantized activations (scratch written by prepare_acts, one row per token) ----
//
// "A32" rows feed Q8_0 / Q4_0 weights: K int8 values, then K/32 float scales, then K/32 int16 block
// sums (sum of the 32 int8 values; the scalar Q4_0 kernel applies its -8 offset with them).
// "A256" rows feed Q4_K / Q6_K weights: K int8 values, then K/256 float scales, then K/16 int16 sums
// of 16 values (for the mins of Q4_K and the -32 offset of Q6_K).
// Values are round(x / d) with d = absmax / 127 per block, so |q| <= 127 (never -128).

static inline size_t act_align64(size_t b) { return (b + 63) & ~(size_t)63; }

static inline size_t a32_row_bytes(int64_t K) {
  return act_align64((size_t)K + (size_t)(K / 32) * 4 + (size_t)(K / 32) * 2);
}
static inline const int8_t* a32_q(const uint8_t* row) { return (const int8_t*)row; }
static inline const float* a32_d(const uint8_t* row, int64_t K) { return (const float*)(row + K); }
static inline const int16_t* a32_sum(const uint8_t* row, int64_t K) {
  return (const int16_t*)(row + K + (K / 32) * 4);
}

static inline size_t a256_row_bytes(int64_t K) {
  return act_align64((size_t)K + (size_t)(K / 256) * 4 + (size_t)(K / 16) * 2);
}
static inline const int8_t* a256_q(const uint8_t* row) { return (const int8_t*)row; }
static inline const float* a256_d(const uint8_t* row, int64_t K) { return (const float*)(row + K); }
static inline const int16_t* a256_sum(const uint8_t* row, int64_t K) {
  return (const int16_t*)(row + K + (K / 256) * 4);
}

// Quantize tokens [t0, t1) of x (row stride ldx floats) into A32 / A256 rows. This is the scalar
// definition; the AVX2 / AVX-512 versions (declared below) write bit-identical rows.
void quantize_acts_a32(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch);
void quantize_acts_a256(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch);

// ---- on-disk block layouts (llama.cpp ggml-common.h) ----
constexpr int64_t kQ8_0Block = 34;   // f16 d, int8 qs[32]
constexpr int64_t kQ4_0Block = 18;   // f16 d, uint8 qs[16]: element j low nibble, j+16 high nibble
constexpr int64_t kQ4_KBlock = 144;  // f16 d, f16 dmin, uint8 scales[12], uint8 qs[128]
constexpr int64_t kQ6_KBlock = 210;  // uint8 ql[128], uint8 qh[64], int8 scales[16], f16 d

// 6-bit scale and min of sub-block j (0..7) of a Q4_K super-block (llama.cpp get_scale_min_k4).
static inline void q4k_scale_min(int j, const uint8_t* s, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = s[j] & 63;
    *m = s[j + 4] & 63;
  } else {
    *sc = (uint8_t)((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
    *m = (uint8_t)((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

// Arguments of one matmul slice: rows [r0, r1) of W (row stride w_row_bytes) times n tokens.
struct GemmArgs {
  const uint8_t* w;
  size_t w_row_bytes;
  int64_t K;
  const uint8_t* acts;      // quantized activations (A32/A256) for the quantized formats
  size_t act_row_bytes;
  const float* x;           // f32 activations (float formats)
  int64_t ldx;
  int64_t n;
  float* y;
  int64_t ldy;
  int64_t r0, r1;
};

// The quantized activation rows of T tokens from t0 (A32 or A256: Block = 32 or 256), as the x16
// kernels take them: int8 values, per-block scales and the sums of 16 values.
template <int T, int Block>
struct ActRows {
  const int8_t* q[T];
  const float* d[T];
  const int16_t* s[T];
  ActRows(const GemmArgs& g, int64_t t0) {
    static_assert(Block == 32 || Block == 256, "A32 or A256 rows");
    for (int t = 0; t < T; ++t) {
      const uint8_t* row = g.acts + (size_t)(t0 + t) * g.act_row_bytes;
      q[t] = Block == 32 ? a32_q(row) : a256_q(row);
      d[t] = Block == 32 ? a32_d(row, g.K) : a256_d(row, g.K);
      s[t] = Block == 32 ? a32_sum(row, g.K) : a256_sum(row, g.K);
    }
  }
};

using GemmFn = void (*)(const GemmArgs&);
using ActsFn = void (*)(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch);

// One table per ISA; a null entry means "not implemented on this ISA". The activation quantizers
// of every ISA produce bit-identical rows (same absmax, same float ops, round to nearest even).
struct FormatKernels {
  GemmFn f32, f16, bf16, q8_0, q4_0, q4_K, q6_K;
  ActsFn acts_a32, acts_a256;
};

// Each ISA's kernels; the SIMD ISAs also quantize activations (bit-identical to quantize_acts_* above).
#define RYZEN_QUANT_GEMMS(ns)                  \
  namespace ns {                               \
  const FormatKernels& format_kernels();       \
  void gemm_q8_0(const GemmArgs& g);           \
  void gemm_q4_0(const GemmArgs& g);           \
  void gemm_q4_K(const GemmArgs& g);           \
  void gemm_q6_K(const GemmArgs& g);           \
  }
#define RYZEN_QUANT_ACTS(ns)                                                                                        \
  namespace ns {                                                                                                    \
  void quantize_acts_a32(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch);  \
  void quantize_acts_a256(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch); \
  }
RYZEN_QUANT_GEMMS(scalar)
RYZEN_QUANT_GEMMS(avx2)
RYZEN_QUANT_GEMMS(avx512)
RYZEN_QUANT_ACTS(avx2)
RYZEN_QUANT_ACTS(avx512)
#undef RYZEN_QUANT_GEMMS
#undef RYZEN_QUANT_ACTS

}  // namespace ryzen
