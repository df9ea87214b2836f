// AVX-512 (BW + VNNI) ternary kernels over the T3 layout; results match scalar/ternary_kernels.cc
// bit for bit (same integer block sums, same float operations per row).
//
// LUT: per step, the 64 index bytes are 16 rows x 4 slots (a row's slots in one dword); vpermb
// looks up the low and high bytes of each slot's int16 group sums, vpdpbusd applies the mirror
// sign and sums a row's slots (see lut_tile).
// MAD: a 16-row tile is decoded once into codes (w+1) interleaved as [k/4][row][4], then
// vpdpbusd multiplies them by each token's int8 activations broadcast 4 at a time, so every
// accumulator lane is one output row (no horizontal sums).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside intrinsics
#pragma GCC diagnostic ignored "-Wuninitialized"        // (the same, in _mm512_reduce_*_ps)
#include <alloca.h>
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "core/prefetch.h"
#include "ternary/chunk_prefetch.h"
#include "ternary/run_prefetch.h"
#include "ternary/t2.h"
#include "ternary/kernels.h"
#include "ternary/t3.h"
#include "avx512/t3_tiles.h"

namespace ryzen {
namespace avx512 {
namespace {

// Per step and token: vpermb looks up 16 rows x 4 slots in the 64-byte low-byte and high-byte
// tables of the step's low-nibble groups (and again for the high-nibble groups); vpdpbusd
// multiplies the (unsigned) looked-up bytes by the mirror sign (+1/-1 bytes from the stored mask)
// and sums each row's 4 slots into its dword. Low and high bytes accumulate apart and recombine
// per 256-weight block modulo 2^16: lo + 256*hi == the exact block sum (mod 2^16), and
// |block sum| <= 256 x 127 = 32512 fits int16, so sign-extending the low 16 bits is exact.
// (Passing several tiles per table load was faster from cache but much slower from DRAM: the
// extra concurrent weight streams defeat the prefetchers.)
//
// Segments [s0, s1) of one tile for T tokens, accumulating into o[T] (zeroed when s0 == 0, stored
// after the last segment).
// acc += w . b (u8 x s8: codes x activations, table bytes x signs). In asm because GCC 12 copies a loop-carried
// vpdpbusd accumulator (twice per product) instead of updating it in place.
static inline __m512i dp(__m512i acc, __m512i w, __m512i b) {
  __asm__("vpdpbusd %1, %2, %0" : "+v"(acc) : "v"(b), "v"(w));
  return acc;
}

// One step for T tokens: see the comment above lut_tile.
struct LutConsts {
  __m512i nib, slot, plus, minus;
};

template <int T>
static inline __attribute__((always_inline)) void lut_step(const uint8_t* step, const uint8_t* const* tabs,
                                                          int64_t toff, const LutConsts& c, __m512i (&lo0)[T],
                                                          __m512i (&hi0)[T], __m512i (&lo1)[T], __m512i (&hi1)[T]) {
  const __m512i idx = _mm512_loadu_si512(step);
  const __m512i il = _mm512_ternarylogic_epi32(idx, c.nib, c.slot, 0xEA);  // (idx & 15) | L << 4
  const __m512i ih = _mm512_ternarylogic_epi32(_mm512_srli_epi16(idx, 4), c.nib, c.slot, 0xEA);
  uint64_t sg[2];
  std::memcpy(sg, step + 64, 16);
  const __m512i sgn0 = _mm512_mask_blend_epi8(_cvtu64_mask64(sg[0]), c.plus, c.minus);
  const __m512i sgn1 = _mm512_mask_blend_epi8(_cvtu64_mask64(sg[1]), c.plus, c.minus);
  for (int t = 0; t < T; ++t) {
    const uint8_t* tb = tabs[t] + toff;
    lo0[t] = dp(lo0[t], _mm512_permutexvar_epi8(il, _mm512_loadu_si512(tb)), sgn0);
    hi0[t] = dp(hi0[t], _mm512_permutexvar_epi8(il, _mm512_loadu_si512(tb + 64)), sgn0);
    lo1[t] = dp(lo1[t], _mm512_permutexvar_epi8(ih, _mm512_loadu_si512(tb + 128)), sgn1);
    hi1[t] = dp(hi1[t], _mm512_permutexvar_epi8(ih, _mm512_loadu_si512(tb + 192)), sgn1);
  }
}

template <int T>
static void lut_tile(const t3::Args& a, int64_t tile, int64_t t0, int64_t s0, int64_t s1, Out* o, t3::RunPrefetch* pf) {
  const int64_t segs = t3::segments(a.K), rec = t3::lut_record_bytes(a.K);
  const LutConsts c{_mm512_set1_epi8(0x0f), _mm512_set1_epi32(0x30201000), _mm512_set1_epi8(1), _mm512_set1_epi8(-1)};
  const uint8_t* tabs[T];
  for (int t = 0; t < T; ++t) {
    tabs[t] = a.acts + (t0 + t) * rec + 64;
    if (s0 == 0) {
      o[t].isum = _mm512_setzero_si512();
      o[t].facc = _mm512_setzero_ps();
    }
  }
  // s0..s1 lie in one K-chunk, whose segments are contiguous (t3.h): no seg_offset (with its
  // divisions) per segment, which cost ~20 % of a K = 2560 GEMV from L2
  const uint8_t* seg = a.codes + t3::seg_offset(a.rows, a.K, tile, s0);
  for (int64_t s = s0; s < s1; ++s, seg += t3::kSegBytes) {
    if (pf) pf->advance();
    // Separate chains hide vpdpbusd latency. (Accumulating even and odd steps apart as well, for
    // one token: from DRAM within +-2 % in alternating processes on Zen 5, so not kept.)
    __m512i lo0[T], hi0[T], lo1[T], hi1[T];
    for (int t = 0; t < T; ++t) lo0[t] = hi0[t] = lo1[t] = hi1[t] = _mm512_setzero_si512();
    const int64_t toff = s * t3::kStepsPerSeg * t3::kLutStepBytes;
    for (int st = 0; st < t3::kStepsPerSeg; ++st)
      lut_step<T>(seg + st * t3::kStepBytes, tabs, toff + st * t3::kLutStepBytes, c, lo0, hi0, lo1, hi1);
    for (int t = 0; t < T; ++t) {
      const __m512i lo = _mm512_add_epi32(lo0[t], lo1[t]), hi = _mm512_add_epi32(hi0[t], hi1[t]);
      const __m512i v = _mm512_add_epi32(lo, _mm512_slli_epi32(hi, 8));
      block_done(a, tile, s, _mm512_srai_epi32(_mm512_slli_epi32(v, 16), 16), o[t]);
    }
  }
  if (s1 == segs)
    for (int t = 0; t < T; ++t)
      store_rows(a, tile, t0 + t, finish(a, o[t], reinterpret_cast<const t3::ActHeader*>(tabs[t] - 64)->inv_scale));
}

// MAD tiling. A group of kMadGroup tiles x kMadChunk segments of decoded codes (4 KB per tile and
// segment, 32 KB in all) stays in L1 while every token passes over it, T tokens at a time over
// the whole group (over tile pairs in a partial group), so the tokens' activations come from L2
// once per group and chunk. Each broadcast activation word feeds one vpdpbusd per tile of the
// block: measured on Zen 5, a broadcast per vpdpbusd peaks near 80 % of the VNNI rate, one per two
// near 95 %; on Zen 4, one per four is another 2-3 % faster (mad_tokens). Per-token, per-tile
// results live in an Out between chunks.
static const int kMadGroup = 4;
static const int kMadChunk = 2;
static const int kMadTokenBlock = 128;  // tokens whose Outs are kept across the chunks (32 KB)
static_assert(kMadGroup * 16 == kMadGroupRows, "kernels.h names the group size");

// Segments [s0, s1) of NT (1 or 2) tiles from `tile` for T tokens from t0; panel p (kMadChunk * 4 KB
// apart) holds tile `tile + p`'s codes for those segments ([seg - s0][k/4][row][4]);
// o[t * kMadGroup + p] accumulates token t0 + t, tile p.
template <int NT, int T, bool kBlockScales>
__attribute__((noinline)) static void mad_block_by(const t3::Args& a, int64_t tile, int64_t t0, int64_t s0, int64_t s1,
                                                   const uint8_t* panel, Out* o) {
  const int64_t rec = t3::mad_record_bytes(a.K), sums = t3::mad_sums_bytes(a.K);
  const int64_t pstride = (int64_t)kMadChunk * 4096;
  // token t's activations at q + t * rec: one base register and constant-free index registers,
  // so the loop below carries no per-token pointer arithmetic
  const int8_t* q = reinterpret_cast<const int8_t*>(a.acts + t0 * rec + 64 + sums);
  // One tensor scale: code sums run over the whole chunk and the codes' +1 is removed once per
  // token at the end (the accumulators stay in registers across the chunk's segments);
  // per-block scales: per 256-weight block.
  constexpr bool block = kBlockScales;
  __m512i acc[T][NT];
  for (int64_t s = s0; s < s1; ++s) {
    if (block || s == s0)
      for (int t = 0; t < T; ++t)
        for (int p = 0; p < NT; ++p) acc[t][p] = _mm512_setzero_si512();
    const uint8_t* w = panel + (s - s0) * 4096;
    const int8_t* q0 = q + s * 256;
    // 16 steps per prefetch and 2 per loop trip: ~28 instructions per 16 vpdpbusd (was ~34 with
    // a prefetch test every step; +4-5 % on 128-token GEMMs, Xeon with RYZEN_AMX=0)
    for (int k16 = 0; k16 < 64; k16 += 16) {
      // the next token block's activations: short runs per token, too short for the prefetchers
      for (int t = 0; t < T; ++t) _mm_prefetch((const char*)(q0 + (T + t) * rec + k16 * 4), _MM_HINT_T0);
      const auto step = [&](int k4) __attribute__((always_inline)) {
        __m512i wv[NT];
        for (int p = 0; p < NT; ++p) wv[p] = _mm512_load_si512(w + p * pstride + k4 * 64);
        for (int t = 0; t < T; ++t) {
          int32_t word;
          std::memcpy(&word, q0 + t * rec + k4 * 4, 4);
          const __m512i b = _mm512_set1_epi32(word);
          for (int p = 0; p < NT; ++p) acc[t][p] = dp(acc[t][p], wv[p], b);
        }
      };
      for (int k4 = k16; k4 < k16 + 16; k4 += 2) step(k4), step(k4 + 1);
    }
    if (block)
      for (int t = 0; t < T; ++t) {
        const int32_t asum = reinterpret_cast<const int32_t*>(a.acts + (t0 + t) * rec + 64)[s];
        for (int p = 0; p < NT; ++p)
          block_done(a, tile + p, s, _mm512_sub_epi32(acc[t][p], _mm512_set1_epi32(asum)), o[t * kMadGroup + p]);
      }
  }
  if (block) return;
  // One tensor scale: the first chunk stores its sums, later ones add theirs, and the last
  // finishes the rows from registers. (Zeroing all Outs first and finishing them in a pass of
  // their own cost ~13 % of a 128-token GEMM: 64 KB of Outs do not stay in L1 beside the panel.)
  const bool last = s1 == t3::segments(a.K);
  for (int t = 0; t < T; ++t)
    for (int p = 0; p < NT; ++p) {
      Out& r = o[t * kMadGroup + p];
      const __m512i v = s0 == 0 ? acc[t][p] : _mm512_add_epi32(r.isum, acc[t][p]);
      if (!last) {
        r.isum = v;
        continue;
      }
      const auto* hdr = reinterpret_cast<const t3::ActHeader*>(a.acts + (t0 + t) * rec);
      const Out done{_mm512_sub_epi32(v, _mm512_set1_epi32(hdr->sum)), _mm512_setzero_ps()};
      store_rows(a, tile + p, t0 + t, finish(a, done, hdr->inv_scale));
    }
}

template <int NT, int T>
static void mad_block(const t3::Args& a, int64_t tile, int64_t t0, int64_t s0, int64_t s1, const uint8_t* panel,
                      Out* o) {
  if (a.layout == t3::kLayoutBlock) return mad_block_by<NT, T, true>(a, tile, t0, s0, s1, panel, o);
  mad_block_by<NT, T, false>(a, tile, t0, s0, s1, panel, o);
}

// Tokens [t0, t1) over the ng decoded tiles of a group: a whole group as one block of 4 tiles x
// up to 4 tokens (one broadcast per 4 vpdpbusd), a partial one in tile pairs (one per 2).
template <int T>
static void mad_group(const t3::Args& a, int64_t tile, int ng, int64_t t0, int64_t s0, int64_t s1,
                      const uint8_t* panel, Out* o) {
  if constexpr (T <= 4) {
    if (ng == kMadGroup) return mad_block<kMadGroup, T>(a, tile, t0, s0, s1, panel, o);
  }
  int p = 0;
  for (; p + 2 <= ng; p += 2) mad_block<2, T>(a, tile + p, t0, s0, s1, panel + p * kMadChunk * 4096, o + p);
  if (p < ng) mad_block<1, T>(a, tile + p, t0, s0, s1, panel + p * kMadChunk * 4096, o + p);
}

// Token blocks of 4 for whole groups (16 accumulators), else of 8 (measured on Zen 4, 2560x640
// and 2560x2560 / 6912x2560, 128 tokens, in-process A/B: 1.6-2.8 % faster at 1 and 2 threads than
// tile pairs x 8 tokens everywhere; 6 tokens per block no faster, 2 or 3 ~25 % slower).
static void mad_tokens(const t3::Args& a, int64_t tile, int ng, int64_t t0, int64_t t1, int64_t s0, int64_t s1,
                       const uint8_t* panel, Out* o, t3::NextChunkPrefetch& next) {
  const int tb = ng == kMadGroup ? 4 : 8;
  int64_t t = t0;
  for (const int64_t blocks = (t1 - t0) / tb; t + tb <= t1; t += tb) {
    next.step(blocks);
    if (tb == 4) mad_group<4>(a, tile, ng, t, s0, s1, panel, o + (t - t0) * kMadGroup);
    else mad_group<8>(a, tile, ng, t, s0, s1, panel, o + (t - t0) * kMadGroup);
  }
  next.finish();
  if (t + 4 <= t1) mad_group<4>(a, tile, ng, t, s0, s1, panel, o + (t - t0) * kMadGroup), t += 4;
  if (t + 2 <= t1) mad_group<2>(a, tile, ng, t, s0, s1, panel, o + (t - t0) * kMadGroup), t += 2;
  if (t < t1) mad_group<1>(a, tile, ng, t, s0, s1, panel, o + (t - t0) * kMadGroup);
}

template <typename F>
static void token_blocks(int64_t n, F f) {
  int64_t t = 0;
  for (; t + 4 <= n; t += 4) f(4, t);
  if (n - t == 3) f(3, t);
  else if (n - t == 2) f(2, t);
  else if (n - t == 1) f(1, t);
}

}  // namespace

void ternary_lut_compute(const t3::Args& a) {
  const int64_t segs = t3::segments(a.K), ch = t3::chunk_segs(a.K);
  const int64_t first = a.r0 / 16, end = (a.r1 + 15) / 16;
  // Long rows (stored in K-chunks, see t3.h): one band at a time, chunk by chunk, so each token's
  // tables for a chunk stay in L1 across the band's tiles while the weights stream in storage
  // order (at K = 6912 ~1.4x faster than whole rows with L2-resident tables). Short rows: blocks
  // of tiles that stay in L2 while every token's tables pass over them.
  const bool chunked = ch < segs;
  t3::RunPrefetch pf(a, first, end);  // the first pass over each block streams it from memory
  for (int64_t b0 = first; b0 < end;) {
    const int64_t b1 = t3::tile_block_end(a, b0, end);
    token_blocks(a.n, [&](int T, int64_t t0) {
      Out st[t3::kBandTiles][4];
      t3::RunPrefetch* p = t0 == 0 ? &pf : nullptr;
      for (int64_t s0 = 0; s0 < segs; s0 += ch) {
        const int64_t s1 = s0 + ch < segs ? s0 + ch : segs;
        for (int64_t tile = b0; tile < b1; ++tile) {
          Out* o = st[chunked ? tile - b0 : 0];
          switch (T) {
            case 4: lut_tile<4>(a, tile, t0, s0, s1, o, p); break;
            case 3: lut_tile<3>(a, tile, t0, s0, s1, o, p); break;
            case 2: lut_tile<2>(a, tile, t0, s0, s1, o, p); break;
            default: lut_tile<1>(a, tile, t0, s0, s1, o, p); break;
          }
        }
      }
    });
    b0 = b1;
  }
}

// ---- activation preparation (same values as the scalar path in formats/ternary_common.cc) ----

// BitNet absmax int8 of one token into q[K]; returns amax/127 and the sum. With `bsum`, also the
// sum of each 256-value block (q is zero past K), for the MAD kernels' per-block scales.
static float quantize_token(const float* x, int64_t K, int8_t* q, int32_t* sum, int32_t* bsum = nullptr,
                            const float* next = nullptr) {
  // four vmaxps chains, so the scan is not bound by one chain's latency. vmaxps returns its second
  // operand when either is NaN: with the running max second, a NaN value is skipped wherever it
  // is, as the scalar scan (std::max) skips it.
  __m512 m0 = _mm512_setzero_ps(), m1 = m0, m2 = m0, m3 = m0;
  int64_t k = 0;
  for (; k + 64 <= K; k += 64) {
    m0 = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k)), m0);
    m1 = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k + 16)), m1);
    m2 = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k + 32)), m2);
    m3 = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k + 48)), m3);
  }
  __m512 vmax = _mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3));
  for (; k + 16 <= K; k += 16) vmax = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k)), vmax);
  if (k < K) vmax = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps((__mmask16)((1u << (K - k)) - 1), x + k)), vmax);
  const float amax = _mm512_reduce_max_ps(vmax);
  if (!(amax > 0.0f)) {
    std::memset(q, 0, K);
    *sum = 0;
    if (bsum) std::memset(bsum, 0, t3::segments(K) * sizeof(int32_t));
    return 0.0f;
  }
  const __m512 scale = _mm512_set1_ps(127.0f / amax);
  // 64 values at a time: two saturating packs narrow four vectors (lane-interleaved, put back in
  // order by one dword permute) and the bytes clamp at -127 (packs saturate at 127 already; a NaN
  // converts to INT_MIN and ends at -127, as the int32 clamp below gives); their sum by vpsadbw on
  // the biased bytes, kept per 256-value block. Same bytes and sum as the 16-wide loop, ~40 %
  // fewer instructions.
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i floor8 = _mm512_set1_epi8(-127), bias = _mm512_set1_epi8((char)0x80);
  __m512i sad = _mm512_setzero_si512();  // the current block's
  int64_t total = 0;                     // finished blocks' sum
  for (k = 0; k + 64 <= K; k += 64) {
    __m512i v[4];
    for (int j = 0; j < 4; ++j) {
      if (next) _mm_prefetch((const char*)(next + k + 16 * j), _MM_HINT_T0);  // see ternary_mad_prepare
      v[j] = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + k + 16 * j), scale));  // half to even
    }
    __m512i b = _mm512_packs_epi16(_mm512_packs_epi32(v[0], v[1]), _mm512_packs_epi32(v[2], v[3]));
    b = _mm512_max_epi8(_mm512_permutexvar_epi32(order, b), floor8);
    _mm512_storeu_si512(q + k, b);
    sad = _mm512_add_epi64(sad, _mm512_sad_epu8(_mm512_xor_si512(b, bias), _mm512_setzero_si512()));
    if ((k + 64) % 256 == 0) {
      const int64_t block = _mm512_reduce_add_epi64(sad) - 128 * 256;
      if (bsum) bsum[k / 256] = (int32_t)block;
      total += block;
      sad = _mm512_setzero_si512();
    }
  }
  // the last, partial block: its 64-wide part (biased), then the 16-wide and masked tails
  int64_t tail = _mm512_reduce_add_epi64(sad) - 128 * (k % 256);
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  __m512i vsum = _mm512_setzero_si512();
  // Full vectors store the narrowed bytes from a register: vpmovdb straight to memory (what the
  // masked store compiles to) is slow on Zen 4/5.
  for (; k + 16 <= K; k += 16) {
    __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + k), scale));  // half to even
    v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    vsum = _mm512_add_epi32(vsum, v);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + k), _mm512_cvtepi32_epi8(v));
  }
  if (k < K) {
    const __mmask16 m = (__mmask16)((1u << (K - k)) - 1);
    __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + k), scale));
    v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    vsum = _mm512_add_epi32(vsum, v);
    _mm_mask_storeu_epi8(q + k, m, _mm512_cvtepi32_epi8(v));
  }
  tail += _mm512_reduce_add_epi32(vsum);
  if (K % 256) {
    if (bsum) bsum[K / 256] = (int32_t)tail;
    total += tail;
  }
  *sum = (int32_t)total;
  return amax / 127.0f;
}

// Tables by vpdpbusd: for group g, the 16 dword lanes are the entries m; each lane holds the
// group's 3 activations biased to u8 (a + 128, one dword load-broadcast) and vpdpbusd
// multiplies them by the entry's trits (s8), starting from -128 x (sum of the trits), so a lane
// ends as t0*a0 + t1*a1 + t2*a2 exactly. vpackssdw pairs two groups' entries as int16 (|v| <=
// 381) and vpermt2b splits the words into the low- and high-byte tables. (~2x faster than
// broadcasting words with vpermw and multiplying with vpmullw; the broadcast ~6 % faster than a
// vpermb gather per group.)
struct TableConsts {
  __m512i trits;      // byte 4m+p: trit p of entry m (0 for p = 3 and the unused entries 14, 15)
  __m512i init;       // lane m: -128 x (sum of entry m's trits)
  __m512i lo, hi;     // bytes of two packed word vectors -> [group A 16 entries][group B 16 entries] x 2
};

static TableConsts table_consts() {
  TableConsts c;
  alignas(64) uint8_t b[64];
  alignas(64) int8_t t[64];
  alignas(64) int32_t init[16];
  for (int m = 0; m < 16; ++m) {
    int sum = 0;
    for (int p = 0; p < 4; ++p) {
      t[4 * m + p] = (int8_t)(p < 3 && m < 14 ? t3::trit_of(m, p) : 0);
      sum += t[4 * m + p];
    }
    init[m] = -128 * sum;
  }
  c.trits = _mm512_load_si512(t);
  c.init = _mm512_load_si512(init);
  // vpackssdw(A, B) puts entry m of A at word 8(m/4) + m%4 and of B at word 8(m/4) + 4 + m%4;
  // output byte i takes (word vector i / 32, group i % 32 / 16, entry i % 16).
  for (int i = 0; i < 64; ++i) {
    const int m = i % 16, word = 8 * (m / 4) + 4 * (i % 32 / 16) + m % 4;
    b[i] = (uint8_t)(64 * (i / 32) + 2 * word);
  }
  c.lo = _mm512_load_si512(b);
  c.hi = _mm512_add_epi8(c.lo, _mm512_set1_epi8(1));
  return c;
}

// Group g's activations (biased, from `a`, the step's first) broadcast to every entry lane; the
// lane's 4th byte meets a zero trit.
static inline __m512i group_entries(const uint8_t* a, int g, const TableConsts& c) {
  int32_t w;
  std::memcpy(&w, a + 3 * g, 4);
  return _mm512_dpbusd_epi32(c.init, _mm512_set1_epi32(w), c.trits);
}

// Per segment, the 256 biased activations then 16 bytes of zero activations (0x80), so every
// group's 4-byte read stays in its segment and past-the-end columns read zero.
constexpr int64_t kBiasedSegBytes = 272;

static void build_tables(const int8_t* q, int64_t segs, uint8_t* out, const TableConsts& c, uint8_t* biased) {
  const __m512i bias = _mm512_set1_epi8((char)0x80);
  for (int64_t s = 0; s < segs; ++s) {
    uint8_t* b = biased + s * kBiasedSegBytes;
    for (int j = 0; j < 4; ++j)
      _mm512_storeu_si512(b + 64 * j, _mm512_xor_si512(_mm512_loadu_si512(q + s * 256 + 64 * j), bias));
    _mm_storeu_si128((__m128i*)(b + 256), _mm512_castsi512_si128(bias));
  }
  for (int64_t s = 0; s < segs; ++s) {
    for (int st = 0; st < t3::kStepsPerSeg; ++st) {
      const uint8_t* a = biased + s * kBiasedSegBytes + 24 * st;
      // word vectors of group pairs (0,2), (4,6), (1,3), (5,7): see t3::kLutStepBytes
      const __m512i w02 = _mm512_packs_epi32(group_entries(a, 0, c), group_entries(a, 2, c));
      const __m512i w46 = _mm512_packs_epi32(group_entries(a, 4, c), group_entries(a, 6, c));
      const __m512i w13 = _mm512_packs_epi32(group_entries(a, 1, c), group_entries(a, 3, c));
      const __m512i w57 = _mm512_packs_epi32(group_entries(a, 5, c), group_entries(a, 7, c));
      uint8_t* o = out + (s * t3::kStepsPerSeg + st) * t3::kLutStepBytes;
      _mm512_storeu_si512(o, _mm512_permutex2var_epi8(w02, c.lo, w46));
      _mm512_storeu_si512(o + 64, _mm512_permutex2var_epi8(w02, c.hi, w46));
      _mm512_storeu_si512(o + 128, _mm512_permutex2var_epi8(w13, c.lo, w57));
      _mm512_storeu_si512(o + 192, _mm512_permutex2var_epi8(w13, c.hi, w57));
    }
  }
}

void ternary_lut_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const int64_t segs = t3::segments(K), rec = t3::lut_record_bytes(K);
  const TableConsts c = table_consts();
  int8_t* q = static_cast<int8_t*>(alloca(segs * 256 + 64));
  uint8_t* biased = static_cast<uint8_t*>(alloca(segs * kBiasedSegBytes));
  std::memset(q + K, 0, segs * 256 - K);
  for (int64_t t = t0; t < t1; ++t) {
    uint8_t* r = scratch + t * rec;
    auto* hdr = reinterpret_cast<t3::ActHeader*>(r);
    std::memset(hdr, 0, sizeof(*hdr));
    hdr->inv_scale = quantize_token(x + t * ldx, K, q, &hdr->sum);
    build_tables(q, segs, r + 64, c, biased);
  }
}

// Prefill inputs come from the op before (in L2 or L3, not DRAM), and a token's scan starts on
// lines no prefetcher has seen: fetching token t+1's x while quantizing token t made the 128-token
// conversion ~19 % faster at 1 and 2 threads (x in L3, 2560 columns, in-process A/B on Zen 4;
// with x in DRAM it cost ~0.8 us per 128 tokens).
void ternary_mad_record(const float* x, int64_t K, uint8_t* r, const float* next) {
  const int64_t segs = t3::segments(K), sums = t3::mad_sums_bytes(K);
  auto* hdr = reinterpret_cast<t3::ActHeader*>(r);
  std::memset(r, 0, 64 + sums);
  int8_t* q = reinterpret_cast<int8_t*>(r + 64 + sums);
  std::memset(q + K, 0, segs * 256 - K);
  hdr->inv_scale = quantize_token(x, K, q, &hdr->sum, reinterpret_cast<int32_t*>(r + 64), next);
}

void ternary_mad_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const int64_t rec = t3::mad_record_bytes(K);
  for (int64_t t = t0; t < t1; ++t)
    ternary_mad_record(x + t * ldx, K, scratch + t * rec, t + 1 < t1 ? x + (t + 1) * ldx : nullptr);
}

// Blocks of up to kMadTokenBlock tokens; per block, groups of kMadGroup tiles; per group, K in
// chunks of kMadChunk segments: decode the chunk of the group's tiles, then pass every token of
// the block over it.
namespace {

// T2 rows into the MAD panel: one 16 x 16 dword transpose per segment puts each row's dword j
// (bytes 4j..4j+3) in lane `row` of vector j; then per bit pair l one shift and one mask give the
// codes of columns 64l + 4j .. 64l + 4j + 3, the panel's [k/4 = 16l + j][row][4]. (Shifts and masks
// act per byte, so they commute with the dword transpose: one transpose instead of four, per l.)
// Rows past the tensor decode as 0 (their outputs are not stored).
static void decode_t2_tile(const t3::Args& a, int64_t tile, int64_t s0, int64_t s1, uint8_t* panel) {
  const int64_t rb = t2::row_bytes(a.K);
  const __m512i m3 = _mm512_set1_epi8(3);
  for (int64_t s = s0; s < s1; ++s) {
    __m512i x[16];
    for (int i = 0; i < 16; ++i) {
      const int64_t r = tile * 16 + i;
      x[i] = r < a.rows ? _mm512_load_si512(a.codes + r * rb + s * t2::kSegBytes) : _mm512_setzero_si512();
    }
    transpose16(x);
    uint8_t* out = panel + (s - s0) * 4096;
    for (int l = 0; l < 4; ++l)
      for (int j = 0; j < 16; ++j)
        _mm512_store_si512(out + 64 * (16 * l + j), _mm512_and_si512(l ? _mm512_srli_epi16(x[j], 2 * l) : x[j], m3));
  }
}

// Blocks of up to kMadTokenBlock tokens; per block, groups of kMadGroup tiles (t3::for_tile_groups);
// per group, K in chunks of kMadChunk segments: decode the chunk of the group's tiles (T3 or T2, by `decode`),
// then pass every token of the block over it.
template <typename Decode>
static void mad_compute(const t3::Args& a, bool t2_layout, Decode decode) {
  const int64_t segs = t3::segments(a.K), end = (a.r1 + 15) / 16, rec = t3::mad_record_bytes(a.K);
  alignas(64) uint8_t panel[kMadGroup * kMadChunk * 4096];
  Out o[kMadTokenBlock * kMadGroup];
  const bool block = a.layout == t3::kLayoutBlock;  // else mad_block stores, adds and finishes
  t3::for_tile_groups(a, kMadGroup, kMadTokenBlock, [&](int64_t tile, int ng, int64_t tb0, int64_t tb1) {
    if (block)
      for (int64_t i = 0; i < (tb1 - tb0) * kMadGroup; ++i) {
        o[i].isum = _mm512_setzero_si512();
        o[i].facc = _mm512_setzero_ps();
      }
    for (int64_t s0 = 0; s0 < segs; s0 += kMadChunk) {
      const int64_t s1 = segs - s0 < kMadChunk ? segs : s0 + kMadChunk;
      for (int p = 0; p < ng; ++p) decode(a, tile + p, s0, s1, panel + p * kMadChunk * 4096);
      t3::NextChunkPrefetch next(a, t2_layout, tile, kMadGroup, kMadChunk, s1, end);
      mad_tokens(a, tile, ng, tb0, tb1, s0, s1, panel, o, next);
    }
    if (block)
      for (int64_t t = tb0; t < tb1; ++t) {
        const float inv = reinterpret_cast<const t3::ActHeader*>(a.acts + t * rec)->inv_scale;
        for (int p = 0; p < ng; ++p) store_rows(a, tile + p, t, finish(a, o[(t - tb0) * kMadGroup + p], inv));
      }
  });
}

}  // namespace

void ternary_mad_compute(const t3::Args& a) {
  const DecodeConsts d = decode_consts();
  mad_compute(a, false, [&](const t3::Args& x, int64_t tile, int64_t s0, int64_t s1, uint8_t* panel) {
    decode_tile(x, tile, s0, s1, d, panel);
  });
}

void ternary_t2_mad_compute(const t3::Args& a) { mad_compute(a, true, decode_t2_tile); }

}  // namespace avx512
}  // namespace ryzen
