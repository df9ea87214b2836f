// AVX-512 pieces shared by the multiply-add kernels (ternary_kernels.cc, VNNI) and the AMX
// kernels (amx/): finishing output rows, decoding T3 tiles into the MAD panel layout [k/4][row][4]
// (which is also the layout AMX's tdpbsud takes for its B operand), and (transpose.h) a 16 x 16 transpose.
// In an anonymous namespace, so each translation unit that includes it (all compiled with the
// AVX-512 flags) gets its own copy; see the ISA rule in the kernels README.
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "avx512/transpose.h"
#include "ternary/kernels.h"
#include "ternary/t3.h"

namespace ryzen {
namespace avx512 {
namespace {

static inline void store_rows(const t3::Args& a, int64_t tile, int64_t t, __m512 v) {
  const int64_t r = tile * 16;
  int64_t lo = a.r0 > r ? a.r0 - r : 0, hi = a.r1 - r < 16 ? a.r1 - r : 16;
  const __mmask16 m = (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
  _mm512_mask_storeu_ps(a.y + t * a.ldy + r, m, v);
}

// Finish one token's 16 rows: per-block float accumulate or uniform integer scale.
struct Out {
  __m512i isum;
  __m512 facc;
};

static inline void block_done(const t3::Args& a, int64_t tile, int64_t seg, __m512i bsum, Out& o) {
  if (a.layout == t3::kLayoutBlock) {
    const __m512 d = _mm512_loadu_ps(a.block_scales + (tile * t3::segments(a.K) + seg) * 16);
    o.facc = _mm512_add_ps(o.facc, _mm512_mul_ps(_mm512_cvtepi32_ps(bsum), d));
  } else {
    o.isum = _mm512_add_epi32(o.isum, bsum);
  }
}

static inline __m512 finish(const t3::Args& a, const Out& o, float inv) {
  if (a.layout == t3::kLayoutBlock) return _mm512_mul_ps(o.facc, _mm512_set1_ps(inv));
  return _mm512_mul_ps(_mm512_cvtepi32_ps(o.isum), _mm512_set1_ps(a.scale * inv));
}

// Decode a 16-row tile into codes (w+1) interleaved as [k/4][row][4] (64 bytes per 4 columns),
// one T3 step (16 rows x 24 columns -> 6 x 64 bytes) at a time, all in registers:
//  1. per byte 4i+L, the 5-bit value (magnitude | sign << 4) of group 2L (nl) and 2L+1 (nh);
//  2. per 4-column slice j, vpermi2b gathers each output byte's group value (row i, column
//     4j+cc -> group g = (4j+cc)/3: byte 4i + g/2 of nl or nh), ORs in its trit position
//     p = (4j+cc)%3 as 32p, and a second vpermi2b looks the code up in a 96-entry table.
// (12 byte permutes per step; an unpack / vpermt2w transpose took ~30 shuffles.)
struct DecodeConsts {
  __m512i gather[6], pos[6];  // per slice: source byte index into (nl, nh); 32 * trit position
  __m512i tab_lo, tab_hi;     // code of (value, p) at entry value + 32p (0..95)
};

static DecodeConsts decode_consts() {
  DecodeConsts d;
  alignas(64) uint8_t g[64], q[64], t[128];
  for (int j = 0; j < 6; ++j) {
    for (int e = 0; e < 64; ++e) {
      const int i = e / 4, c = 4 * j + e % 4, grp = c / 3;
      g[e] = (uint8_t)(4 * i + grp / 2 + 64 * (grp & 1));
      q[e] = (uint8_t)(32 * (c % 3));
    }
    d.gather[j] = _mm512_load_si512(g);
    d.pos[j] = _mm512_load_si512(q);
  }
  for (int e = 0; e < 128; ++e) {
    const int m = e & 15, neg = (e >> 4) & 1, p = e >> 5;
    const int tr = p < 3 && m < 14 ? t3::trit_of(m, p) : 0;
    t[e] = (uint8_t)((neg ? -tr : tr) + 1);
  }
  d.tab_lo = _mm512_load_si512(t);
  d.tab_hi = _mm512_load_si512(t + 64);
  return d;
}

// One T3 step (16 rows x 24 columns) into its 6 panel slices at `out` (4 in a segment's last step,
// which holds columns 240..255).
static inline void decode_step(const uint8_t* step, int st, const DecodeConsts& d, uint8_t* out) {
  const __m512i nib = _mm512_set1_epi8(0x0f), bit4 = _mm512_set1_epi8(0x10);
  const __m512i idx = _mm512_loadu_si512(step);
  uint64_t sg[2];
  std::memcpy(sg, step + 64, 16);
  const __m512i ml = _mm512_and_si512(idx, nib), mh = _mm512_and_si512(_mm512_srli_epi16(idx, 4), nib);
  const __m512i nl = _mm512_mask_add_epi8(ml, _cvtu64_mask64(sg[0]), ml, bit4);
  const __m512i nh = _mm512_mask_add_epi8(mh, _cvtu64_mask64(sg[1]), mh, bit4);
  const int slices = st == t3::kStepsPerSeg - 1 ? 4 : 6;
  for (int j = 0; j < slices; ++j) {
    const __m512i v = _mm512_or_si512(_mm512_permutex2var_epi8(nl, d.gather[j], nh), d.pos[j]);
    _mm512_store_si512(out + j * 64, _mm512_permutex2var_epi8(d.tab_lo, v, d.tab_hi));
  }
}

// Segments [s0, s1) of one tile into panel ([s - s0][k/4][row][4]), a step at a time by `step`
// (decode_step, or a variant for another CPU with the same output and consts of its own).
template <typename Consts, typename Step>
static void decode_tile_by(const t3::Args& a, int64_t tile, int64_t s0, int64_t s1, const Consts& d, uint8_t* panel,
                           Step step) {
  for (int64_t s = s0; s < s1; ++s) {
    const uint8_t* seg = a.codes + t3::seg_offset(a.rows, a.K, tile, s);
    for (int st = 0; st < t3::kStepsPerSeg; ++st)
      step(seg + st * t3::kStepBytes, st, d, panel + (s - s0) * 4096 + st * 384);
  }
}

static void decode_tile(const t3::Args& a, int64_t tile, int64_t s0, int64_t s1, const DecodeConsts& d,
                        uint8_t* panel) {
  decode_tile_by(a, tile, s0, s1, d, panel, decode_step);
}

}  // namespace
}  // namespace avx512
}  // namespace ryzen
