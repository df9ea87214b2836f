// Ternary matmul kernels over the T3 layout (t3.h), one set per ISA. Plain structs and extern
// functions only, so the SIMD translation units stay isolated (see the ISA rule in the README).
#pragma once
#include <cstdint>
#include "ternary/t3.h"

namespace ryzen {
namespace t3 {

// Everything a kernel needs; built from MatmulWeights by the (flag-free) format code.
struct Args {
  const uint8_t* codes;        // T3 tiles
  const float* block_scales;   // layout kLayoutBlock: float[tiles][segments][16]; else null
  float scale;                 // layout kLayoutUniform: the tensor scale
  int layout;
  int64_t rows, K;
  const uint8_t* acts;         // per-token records (lut_record_bytes / mad_record_bytes apart)
  int64_t n;                   // tokens
  float* y;
  int64_t ldy;
  int64_t r0, r1;              // output rows [r0, r1); r0 is a multiple of 16
};

// The prefill kernels' outer walk: blocks of up to `block` tokens, and per block groups of `group`
// tiles over the call's rows (the last group may have fewer: ng): f(tile, ng, tb0, tb1). Token
// blocks outermost, so a block's activations stay in L2 while every group of the share passes over
// them, and its output rows are written together; the weights are decoded per block either way.
// (With groups outermost, AMX 2560x6912 x 1024 tokens at 2 threads took ~1.9x as long: each tile
// pair re-read all 2.6 MB of activations from L3 and wrote to 1024 token rows, a page each.)
template <typename F>
static inline void for_tile_groups(const Args& a, int group, int64_t block, F f) {
  const int64_t end = (a.r1 + kTileRows - 1) / kTileRows;
  for (int64_t tb0 = 0; tb0 < a.n; tb0 += block) {
    const int64_t tb1 = a.n - tb0 < block ? a.n : tb0 + block;
    for (int64_t tile = a.r0 / kTileRows; tile < end; tile += group)
      f(tile, end - tile < group ? (int)(end - tile) : group, tb0, tb1);
  }
}

// 1024-entry table: byte of two nibbles (groups 2L, 2L+1) | low-group sign << 8 | high-group sign << 9
// -> the 6 codes (w+1, one per byte) of those 6 consecutive weights. Filled at static init.
extern uint64_t g_decode6[1024];

// Decode row i of a tile into codes (w+1 in 0..2), segments(K)*256 bytes (+8 bytes of slack).
static inline void decode_row(const uint8_t* codes, int64_t rows, int64_t K, int64_t tile, int i, uint8_t* out) {
  const int64_t segs = segments(K);
  for (int64_t s = 0; s < segs; ++s) {
    uint8_t* o = out + s * 256;
    const uint8_t* seg = codes + seg_offset(rows, K, tile, s);
    for (int st = 0; st < 11; ++st) {
      const uint8_t* step = seg + st * 80;
      for (int L = 0; L < 4; ++L) {
        const int k = st * 24 + L * 6;
        if (k >= 256) break;
        const uint32_t idx = step[4 * i + L] | ((uint32_t)step_neg(step, i, L, 0) << 8) | ((uint32_t)step_neg(step, i, L, 1) << 9);
        const uint64_t six = g_decode6[idx];
        if (k + 8 <= 256) {
          __builtin_memcpy(o + k, &six, 8);  // 6 codes + 2 bytes the next store overwrites
        } else {
          for (int b = 0; b < 256 - k; ++b) o[k + b] = (uint8_t)(six >> (8 * b));
        }
      }
    }
  }
}

}  // namespace t3

#define RYZEN_T3_KERNELS(ns)                      \
  namespace ns {                                  \
  void ternary_lut_compute(const t3::Args& a);    \
  void ternary_mad_compute(const t3::Args& a);    \
  }
RYZEN_T3_KERNELS(scalar)
RYZEN_T3_KERNELS(avx2)
RYZEN_T3_KERNELS(avx512)
#undef RYZEN_T3_KERNELS

// Rows the multiply-add kernels decode and run together (their tile group): a prefill share of a
// whole number of groups never runs the slower partial-group path (one broadcast per vpdpbusd).
namespace avx2 {
constexpr int64_t kMadGroupRows = 32;
}
namespace avx512 {
constexpr int64_t kMadGroupRows = 64;
}

// Multiply-add over the T2 layout (t2.h; Args as for T3, layout = scale mode, activations in MAD
// records).
namespace scalar {
void ternary_t2_compute(const t3::Args& a);
}
namespace avx2 {
void ternary_t2_compute(const t3::Args& a);
// Prefill on T2 with one tensor scale: tiles decoded into the MAD panel, then the T3 MAD token loop.
void ternary_t2_mad_compute(const t3::Args& a);
}
namespace avx512 {
void ternary_t2_compute(const t3::Args& a);
// Prefill on T2 with one tensor scale: tiles decoded into the MAD panel, then the T3 VNNI token
// loop (where AMX is not usable).
void ternary_t2_mad_compute(const t3::Args& a);
}

// Multiply-add on AMX-INT8 tiles over T3 weights (activations in AMX records, t3.h); only where
// amx_ready() (core/isa.h).
namespace amx {
void ternary_amx_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch);
void ternary_amx_compute(const t3::Args& a);
// The same over T2 weights (rows as A tiles, activations as B tiles).
void ternary_amx_t2_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch);
void ternary_amx_t2_compute(const t3::Args& a);
}

// Activation preparation with SIMD (same bytes as the portable versions in the format code).
#define RYZEN_T3_PREPARE(ns)                                                                                   \
  namespace ns {                                                                                               \
  void ternary_lut_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch); \
  void ternary_mad_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch); \
  }
RYZEN_T3_PREPARE(avx2)
RYZEN_T3_PREPARE(avx512)
#undef RYZEN_T3_PREPARE
namespace avx512 {
// One token's MAD record (mad_record_bytes(K) at r); `next`: the next token's x, fetched meanwhile.
void ternary_mad_record(const float* x, int64_t K, uint8_t* r, const float* next);
}

}  // namespace ryzen
