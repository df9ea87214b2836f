// AVX2 ternary kernels over the T3 layout; results match scalar/ternary_kernels.cc bit for bit.
// LUT: a step's index bytes are first transposed to slot-major order (lane L = slot L of the 16
// rows, see slot_major) so vpshufb can use one 16-entry table per lane; then one 32-byte half
// (2 slots x 16 rows) at a time: looked-up bytes XOR the sign byte mask (~v = -v - 1), vpunpck
// forms int16 values, and each row's count of negative groups is added back per block.
// MAD: codes interleaved [k/4][row][4]; vpmaddubsw (u8 codes x s8 activations, pair sums <= 508)
// accumulates in int16 for one 256-weight block (64 x 508 = 32512 < 32767), then widens. The same
// token loop runs T2 prefill (ternary_t2_mad_compute), its tiles decoded from T2 rows instead.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside intrinsics
#include <alloca.h>
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "avx2/maddubs_acc.h"
#include "core/prefetch.h"
#include "ternary/chunk_prefetch.h"
#include "ternary/run_prefetch.h"
#include "ternary/kernels.h"
#include "ternary/t2.h"
#include "ternary/t3.h"

namespace ryzen {
namespace avx2 {
namespace {

struct Out {
  __m256i isum[2];  // rows 0-7, 8-15
  __m256 facc[2];
};

static inline void out_init(Out& o) {
  o.isum[0] = o.isum[1] = _mm256_setzero_si256();
  o.facc[0] = o.facc[1] = _mm256_setzero_ps();
}

static inline void block_done(const t3::Args& a, int64_t tile, int64_t seg, __m256i r0_7, __m256i r8_15, Out& o) {
  if (a.layout == t3::kLayoutBlock) {
    const float* d = a.block_scales + (tile * t3::segments(a.K) + seg) * 16;
    o.facc[0] = _mm256_add_ps(o.facc[0], _mm256_mul_ps(_mm256_cvtepi32_ps(r0_7), _mm256_loadu_ps(d)));
    o.facc[1] = _mm256_add_ps(o.facc[1], _mm256_mul_ps(_mm256_cvtepi32_ps(r8_15), _mm256_loadu_ps(d + 8)));
  } else {
    o.isum[0] = _mm256_add_epi32(o.isum[0], r0_7);
    o.isum[1] = _mm256_add_epi32(o.isum[1], r8_15);
  }
}

static inline void finish(const t3::Args& a, int64_t tile, int64_t t, const Out& o, float inv) {
  float v[16];
  for (int h = 0; h < 2; ++h) {
    const __m256 r = a.layout == t3::kLayoutBlock
                         ? _mm256_mul_ps(o.facc[h], _mm256_set1_ps(inv))
                         : _mm256_mul_ps(_mm256_cvtepi32_ps(o.isum[h]), _mm256_set1_ps(a.scale * inv));
    _mm256_storeu_ps(v + 8 * h, r);
  }
  for (int i = 0; i < 16; ++i) {
    const int64_t r = tile * 16 + i;
    if (r >= a.r0 && r < a.r1) a.y[t * a.ldy + r] = v[i];
  }
}

// 16 words [rows 0-7 | rows 0-7] -> 8 int32 row sums.
static inline __m256i fold16(__m256i acc) {
  return _mm256_add_epi32(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(acc)),
                          _mm256_cvtepi16_epi32(_mm256_extracti128_si256(acc, 1)));
}

// The step's index bytes (4i+L = row i, slot L) in slot-major order: x[0] = slots 0|1,
// x[1] = slots 2|3, byte i of each lane = row i.
static inline void slot_major(const uint8_t* step, __m256i x[2]) {
  const __m256i T = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                     0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m256i P = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i a = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)step), T), P);
  const __m256i b = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)(step + 32)), T), P);
  const __m256i lo = _mm256_unpacklo_epi64(a, b), hi = _mm256_unpackhi_epi64(a, b);  // slots 0|2, 1|3
  x[0] = _mm256_permute2x128_si256(lo, hi, 0x20);
  x[1] = _mm256_permute2x128_si256(lo, hi, 0x31);
}

// Segments [s0, s1) of one tile for T tokens, accumulating into o[T] (zeroed when s0 == 0, stored
// after the last segment).
template <int T>
static void lut_tile(const t3::Args& a, int64_t tile, int64_t t0, int64_t s0, int64_t s1, Out* o, t3::RunPrefetch* pf) {
  const int64_t segs = t3::segments(a.K), rec = t3::lut_record_bytes(a.K);
  const __m256i nib = _mm256_set1_epi8(0x0f);
  // Sign byte masks: byte l*16+i of slot pair hh (row i, slot L = 2hh + l) is bit 4i+L of the
  // broadcast sign word: byte i/2, bit 4(i&1) + L.
  const __m256i sctrl = _mm256_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                         0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  __m256i sbit[2];
  {
    alignas(32) uint8_t b[32];
    for (int hh = 0; hh < 2; ++hh) {
      for (int e = 0; e < 32; ++e) b[e] = (uint8_t)(1u << (4 * (e & 1) + 2 * hh + e / 16));
      sbit[hh] = _mm256_load_si256((const __m256i*)b);
    }
  }
  const uint8_t* tabs[T];
  for (int t = 0; t < T; ++t) {
    tabs[t] = a.acts + (t0 + t) * rec + 64;
    if (s0 == 0) out_init(o[t]);
  }
  // s0..s1 lie in one K-chunk, whose segments are contiguous (t3.h): no seg_offset per segment
  const uint8_t* seg = a.codes + t3::seg_offset(a.rows, a.K, tile, s0);
  for (int64_t s = s0; s < s1; ++s, seg += t3::kSegBytes) {
    if (pf) pf->advance();
    // Negative groups look up ~v (both table bytes XORed with the sign byte mask): ~v = -v - 1,
    // so each row's count of negative groups (token-independent, kept in bytes) is added back.
    __m256i accA[T], accB[T], negs = _mm256_setzero_si256();
    for (int t = 0; t < T; ++t) accA[t] = accB[t] = _mm256_setzero_si256();
    for (int st = 0; st < t3::kStepsPerSeg; ++st) {
      const uint8_t* step = seg + st * t3::kStepBytes;
      uint64_t sg[2];
      std::memcpy(sg, step + 64, 16);
      const __m256i sb0 = _mm256_shuffle_epi8(_mm256_set1_epi64x((long long)sg[0]), sctrl);
      const __m256i sb1 = _mm256_shuffle_epi8(_mm256_set1_epi64x((long long)sg[1]), sctrl);
      __m256i xs[2];
      slot_major(step, xs);
      const int64_t toff = (s * t3::kStepsPerSeg + st) * t3::kLutStepBytes;
      for (int hh = 0; hh < 2; ++hh) {  // slots 2hh, 2hh+1
        const __m256i il = _mm256_and_si256(xs[hh], nib);
        const __m256i ih = _mm256_and_si256(_mm256_srli_epi16(xs[hh], 4), nib);
        const __m256i m0 = _mm256_cmpeq_epi8(_mm256_and_si256(sb0, sbit[hh]), sbit[hh]);
        const __m256i m1 = _mm256_cmpeq_epi8(_mm256_and_si256(sb1, sbit[hh]), sbit[hh]);
        negs = _mm256_sub_epi8(negs, _mm256_add_epi8(m0, m1));  // <= 11 steps x 2 halves x 2 = 44
        for (int t = 0; t < T; ++t) {
          const uint8_t* tb = tabs[t] + toff + 32 * hh;
          const __m256i llo = _mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)tb), il), m0);
          const __m256i lhi = _mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)(tb + 64)), il), m0);
          const __m256i hlo = _mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)(tb + 128)), ih), m1);
          const __m256i hhi = _mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)(tb + 192)), ih), m1);
          __m256i A = accA[t], B = accB[t];
          A = _mm256_add_epi16(A, _mm256_unpacklo_epi8(llo, lhi));
          B = _mm256_add_epi16(B, _mm256_unpackhi_epi8(llo, lhi));
          A = _mm256_add_epi16(A, _mm256_unpacklo_epi8(hlo, hhi));
          B = _mm256_add_epi16(B, _mm256_unpackhi_epi8(hlo, hhi));
          accA[t] = A;
          accB[t] = B;
        }
      }
    }
    // |int16 partial| <= 11 steps x 4 x 382 = 16808.
    const __m256i z = _mm256_setzero_si256();
    const __m256i n0_7 = fold16(_mm256_unpacklo_epi8(negs, z)), n8_15 = fold16(_mm256_unpackhi_epi8(negs, z));
    for (int t = 0; t < T; ++t)
      block_done(a, tile, s, _mm256_add_epi32(fold16(accA[t]), n0_7), _mm256_add_epi32(fold16(accB[t]), n8_15), o[t]);
  }
  if (s1 == segs)
    for (int t = 0; t < T; ++t)
      finish(a, tile, t0 + t, o[t], reinterpret_cast<const t3::ActHeader*>(tabs[t] - 64)->inv_scale);
}

// MAD tiling (as in the AVX-512 kernel): kMadGroup tiles x kMadChunk segments of decoded codes
// (16 KB) stay in L1 while the tokens of a kMadTokenBlock block pass over them, 4 at a time, so
// the codes are not re-read from L2 per token block and the activations come from L2 once per
// group and chunk. Per-token, per-tile results live in an Out between chunks.
static const int kMadGroup = 2;
static const int kMadChunk = 2;
static const int kMadTokenBlock = 128;  // tokens whose Outs are kept across the chunks (32 KB)
static_assert(kMadGroup * 16 == kMadGroupRows, "kernels.h names the group size");

// Segments [s0, s1) of one tile for T tokens from t0; panel holds the tile's codes for those
// segments ([seg - s0][k/4][row][4]); o[t * kMadGroup] accumulates token t0 + t.
template <int T>
static void mad_block(const t3::Args& a, int64_t tile, int64_t t0, int64_t s0, int64_t s1, const uint8_t* panel,
                      Out* o) {
  const int64_t rec = t3::mad_record_bytes(a.K), sums = t3::mad_sums_bytes(a.K);
  const __m256i ones = _mm256_set1_epi16(1);
  const int8_t* q[T];
  const int32_t* asum[T];
  for (int t = 0; t < T; ++t) {
    const uint8_t* r = a.acts + (t0 + t) * rec;
    asum[t] = reinterpret_cast<const int32_t*>(r + 64);
    q[t] = reinterpret_cast<const int8_t*>(r + 64 + sums);
  }
  for (int64_t s = s0; s < s1; ++s) {
    __m256i lo[T], hi[T];
    for (int t = 0; t < T; ++t) lo[t] = hi[t] = _mm256_setzero_si256();
    const uint8_t* w = panel + (s - s0) * 4096;
    for (int k4 = 0; k4 < 64; ++k4) {
      const __m256i w0 = _mm256_load_si256((const __m256i*)(w + k4 * 64));
      const __m256i w1 = _mm256_load_si256((const __m256i*)(w + k4 * 64 + 32));
      // the next token block's activations: short runs per token, too short for the prefetchers
      if ((k4 & 15) == 0)
        for (int t = 0; t < T; ++t) _mm_prefetch((const char*)(q[t] + T * rec + s * 256 + k4 * 4), _MM_HINT_T0);
      for (int t = 0; t < T; ++t) {
        int32_t a4;
        std::memcpy(&a4, q[t] + s * 256 + k4 * 4, 4);
        const __m256i av = _mm256_set1_epi32(a4);
        lo[t] = maddubs_acc(lo[t], w0, av);
        hi[t] = maddubs_acc(hi[t], w1, av);
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m256i c = _mm256_set1_epi32(asum[t][s]);
      block_done(a, tile, s, _mm256_sub_epi32(_mm256_madd_epi16(lo[t], ones), c),
                 _mm256_sub_epi32(_mm256_madd_epi16(hi[t], ones), c), o[t * kMadGroup]);
    }
  }
}

template <int T>
static void mad_group(const t3::Args& a, int64_t tile, int ng, int64_t t0, int64_t s0, int64_t s1,
                      const uint8_t* panel, Out* o) {
  for (int p = 0; p < ng; ++p) mad_block<T>(a, tile + p, t0, s0, s1, panel + p * kMadChunk * 4096, o + p);
}

// Decode a 16-row tile into codes (w+1) interleaved as [k/4][row][4], one half step (2 lanes of
// 16 rows x 6 columns) at a time in registers: vpshufb trit tables indexed by the nibble,
// vpsignb applies the mirror sign (sign bits spread to bytes with a shuffle + compare), then
// vpunpck{l,h}bw / vpunpck{l,h}wd / vperm2i128 gather each row's 4 columns into its dword.
// Segments [s0, s1) of the tile into panel ([s - s0][k/4][row][4]).
static void decode_tile(const t3::Args& a, int64_t tile, int64_t s0, int64_t s1, uint8_t* panel) {
  alignas(32) int8_t tt[3][32];
  for (int p = 0; p < 3; ++p)
    for (int e = 0; e < 32; ++e) tt[p][e] = (int8_t)((e & 15) < 14 ? t3::trit_of(e & 15, p) : 0);
  const __m256i T0 = _mm256_load_si256((const __m256i*)tt[0]), T1 = _mm256_load_si256((const __m256i*)tt[1]);
  const __m256i T2 = _mm256_load_si256((const __m256i*)tt[2]);
  const __m256i nib = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
  // byte l*16+i of slot pair hh (row i, slot L = 2hh + l) takes bit 4i+L of the broadcast sign
  // word: byte i/2, bit 4(i&1) + L.
  const __m256i sctrl = _mm256_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                         0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  __m256i sbit[2];
  {
    alignas(32) uint8_t b[32];
    for (int hh = 0; hh < 2; ++hh) {
      for (int e = 0; e < 32; ++e) b[e] = (uint8_t)(1u << (4 * (e & 1) + 2 * hh + e / 16));
      sbit[hh] = _mm256_load_si256((const __m256i*)b);
    }
  }
  for (int64_t s = s0; s < s1; ++s) {
    const uint8_t* seg = a.codes + t3::seg_offset(a.rows, a.K, tile, s);
    for (int st = 0; st < t3::kStepsPerSeg; ++st) {
      const uint8_t* step = seg + st * t3::kStepBytes;
      uint64_t sg[2];
      std::memcpy(sg, step + 64, 16);
      __m256i xs[2];
      slot_major(step, xs);
      for (int hh = 0; hh < 2; ++hh) {
        const __m256i idx = xs[hh];
        __m256i c[6];
        for (int h = 0; h < 2; ++h) {
          const __m256i n = h ? _mm256_and_si256(_mm256_srli_epi16(idx, 4), nib) : _mm256_and_si256(idx, nib);
          const __m256i bits = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi64x((long long)sg[h]), sctrl), sbit[hh]);
          const __m256i sgn = _mm256_or_si256(_mm256_cmpeq_epi8(bits, sbit[hh]), one);  // -1 or +1
          c[3 * h + 0] = _mm256_add_epi8(_mm256_sign_epi8(_mm256_shuffle_epi8(T0, n), sgn), one);
          c[3 * h + 1] = _mm256_add_epi8(_mm256_sign_epi8(_mm256_shuffle_epi8(T1, n), sgn), one);
          c[3 * h + 2] = _mm256_add_epi8(_mm256_sign_epi8(_mm256_shuffle_epi8(T2, n), sgn), one);
        }
        // c[j]: byte l*16+i = code of row i, column 6(2hh+l)+j. Words of v[u]: columns 2u, 2u+1.
        uint8_t* out = panel + (s - s0) * 4096 + st * 384 + hh * 192;
        const int chunks = st == t3::kStepsPerSeg - 1 && hh == 1 ? 1 : 3;  // columns 252..255 end the block
        for (int half = 0; half < 2; ++half) {  // rows 0-7, rows 8-15
          __m256i v[3];
          for (int u = 0; u < 3; ++u)
            v[u] = half ? _mm256_unpackhi_epi8(c[2 * u], c[2 * u + 1]) : _mm256_unpacklo_epi8(c[2 * u], c[2 * u + 1]);
          // row i's words q = 3l + u; chunk cc holds q = 2cc, 2cc+1
          __m256i r[3];
          r[0] = _mm256_permute2x128_si256(_mm256_unpacklo_epi16(v[0], v[1]), _mm256_unpackhi_epi16(v[0], v[1]), 0x20);
          const __m256i v0h = _mm256_permute4x64_epi64(v[0], 0xee);
          r[1] = _mm256_permute2x128_si256(_mm256_unpacklo_epi16(v[2], v0h), _mm256_unpackhi_epi16(v[2], v0h), 0x20);
          r[2] = _mm256_permute2x128_si256(_mm256_unpacklo_epi16(v[1], v[2]), _mm256_unpackhi_epi16(v[1], v[2]), 0x31);
          for (int cc = 0; cc < chunks; ++cc) _mm256_store_si256((__m256i*)(out + cc * 64 + 32 * half), r[cc]);
        }
      }
    }
  }
}

}  // namespace

void ternary_lut_compute(const t3::Args& a) {
  // As the AVX-512 kernel: blocks of tiles that stay in L2 for short rows; long rows band by band,
  // chunk by chunk, so a token's tables for a chunk stay in L1.
  const int64_t segs = t3::segments(a.K), ch = t3::chunk_segs(a.K);
  const bool chunked = ch < segs;
  const int64_t first = a.r0 / 16, end = (a.r1 + 15) / 16;
  t3::RunPrefetch pf(a, first, end);  // the first pass over each block streams it from memory
  for (int64_t b0 = first; b0 < end;) {
    const int64_t b1 = t3::tile_block_end(a, b0, end);
    for (int64_t t = 0; t < a.n; t += 2) {
      Out st[t3::kBandTiles][2];
      t3::RunPrefetch* p = t == 0 ? &pf : nullptr;
      for (int64_t s0 = 0; s0 < segs; s0 += ch) {
        const int64_t s1 = s0 + ch < segs ? s0 + ch : segs;
        for (int64_t tile = b0; tile < b1; ++tile) {
          Out* o = st[chunked ? tile - b0 : 0];
          if (t + 2 <= a.n) lut_tile<2>(a, tile, t, s0, s1, o, p);
          else lut_tile<1>(a, tile, t, s0, s1, o, p);
        }
      }
    }
    b0 = b1;
  }
}

// ---- activation preparation (same bytes as the portable versions in formats/ternary_common.cc) ----

static inline float hmax8(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

// BitNet absmax int8 of one token into q[K]; returns amax/127 and the sum.
static float quantize_token(const float* x, int64_t K, int8_t* q, int32_t* sum) {
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  // vmaxps returns its second operand when either is NaN: with the running max second, a NaN
  // value is skipped wherever it is, as the scalar scan (std::max) skips it
  __m256 vmax = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) vmax = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + k), absmask), vmax);
  float amax = hmax8(vmax);
  for (; k < K; ++k) {
    const float a = x[k] < 0 ? -x[k] : x[k];
    amax = a > amax ? a : amax;
  }
  if (!(amax > 0.0f)) {
    std::memset(q, 0, K);
    *sum = 0;
    return 0.0f;
  }
  const float sc = 127.0f / amax;
  const __m256 scale = _mm256_set1_ps(sc);
  const __m256i lim = _mm256_set1_epi32(127), nlim = _mm256_set1_epi32(-127), ones = _mm256_set1_epi16(1);
  const __m256i fix = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  __m256i vsum = _mm256_setzero_si256();
  for (k = 0; k + 32 <= K; k += 32) {
    __m256i v[4];
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + k + 8 * j), scale));  // half to even
      v[j] = _mm256_min_epi32(_mm256_max_epi32(v[j], nlim), lim);
    }
    const __m256i w01 = _mm256_packs_epi32(v[0], v[1]), w23 = _mm256_packs_epi32(v[2], v[3]);
    vsum = _mm256_add_epi32(vsum, _mm256_add_epi32(_mm256_madd_epi16(w01, ones), _mm256_madd_epi16(w23, ones)));
    const __m256i b = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23), fix);
    _mm256_storeu_si256((__m256i*)(q + k), b);
  }
  alignas(32) int32_t parts[8];
  _mm256_store_si256((__m256i*)parts, vsum);
  int32_t total = 0;
  for (int j = 0; j < 8; ++j) total += parts[j];
  for (; k < K; ++k) {
    float v = (x[k] * sc + 12582912.0f) - 12582912.0f;
    v = v > 127.0f ? 127.0f : (v >= -127.0f ? v : -127.0f);  // NaN -> -127, as cvtps2dq + clamp
    q[k] = (int8_t)v;
    total += (int32_t)v;
  }
  *sum = total;
  return amax / 127.0f;
}

static void build_tables(const int8_t* q, int64_t segs, uint8_t* out) {
  alignas(32) int16_t cw[3][16];
  for (int p = 0; p < 3; ++p)
    for (int m = 0; m < 16; ++m) cw[p][m] = (int16_t)(m < 14 ? t3::trit_of(m, p) : 0);
  const __m256i c0 = _mm256_load_si256((const __m256i*)cw[0]), c1 = _mm256_load_si256((const __m256i*)cw[1]);
  const __m256i c2 = _mm256_load_si256((const __m256i*)cw[2]);
  // per lane: low bytes of the 8 words to bytes 0-7, high bytes to 8-15
  const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
                                         0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  for (int64_t s = 0; s < segs; ++s) {
    const int8_t* a = q + s * 256;
    uint8_t* seg = out + s * t3::kStepsPerSeg * t3::kLutStepBytes;
    for (int g = 0; g < t3::kGroupsPerSeg; ++g) {
      const int k = 3 * g;
      const short a0 = k < 256 ? a[k] : 0, a1 = k + 1 < 256 ? a[k + 1] : 0, a2 = k + 2 < 256 ? a[k + 2] : 0;
      __m256i t = _mm256_mullo_epi16(_mm256_set1_epi16(a0), c0);
      t = _mm256_add_epi16(t, _mm256_mullo_epi16(_mm256_set1_epi16(a1), c1));
      t = _mm256_add_epi16(t, _mm256_mullo_epi16(_mm256_set1_epi16(a2), c2));
      const __m256i b = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(t, split), 0xd8);  // [lo 0-15 | hi 0-15]
      const int st = g / 8, j = g % 8, L = j / 2, h = j % 2;
      uint8_t* lo = seg + st * t3::kLutStepBytes + h * 128 + L * 16;
      _mm_storeu_si128((__m128i*)lo, _mm256_castsi256_si128(b));
      _mm_storeu_si128((__m128i*)(lo + 64), _mm256_extracti128_si256(b, 1));
    }
  }
}

void ternary_lut_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const int64_t segs = t3::segments(K), rec = t3::lut_record_bytes(K);
  int8_t* q = static_cast<int8_t*>(alloca(segs * 256 + 64));
  std::memset(q + K, 0, segs * 256 - K);
  for (int64_t t = t0; t < t1; ++t) {
    uint8_t* r = scratch + t * rec;
    auto* hdr = reinterpret_cast<t3::ActHeader*>(r);
    std::memset(hdr, 0, sizeof(*hdr));
    hdr->inv_scale = quantize_token(x + t * ldx, K, q, &hdr->sum);
    build_tables(q, segs, r + 64);
  }
}

void ternary_mad_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const int64_t segs = t3::segments(K), rec = t3::mad_record_bytes(K), sums = t3::mad_sums_bytes(K);
  const __m256i bias = _mm256_set1_epi8((char)0x80);
  for (int64_t t = t0; t < t1; ++t) {
    uint8_t* r = scratch + t * rec;
    auto* hdr = reinterpret_cast<t3::ActHeader*>(r);
    std::memset(r, 0, 64 + sums);
    int8_t* q = reinterpret_cast<int8_t*>(r + 64 + sums);
    std::memset(q + K, 0, segs * 256 - K);
    hdr->inv_scale = quantize_token(x + t * ldx, K, q, &hdr->sum);
    int32_t* bsum = reinterpret_cast<int32_t*>(r + 64);
    for (int64_t s = 0; s < segs; ++s) {
      __m256i acc = _mm256_setzero_si256();
      for (int j = 0; j < 8; ++j)
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(q + s * 256 + 32 * j)), bias),
                                                     _mm256_setzero_si256()));
      alignas(32) int64_t parts[4];
      _mm256_store_si256((__m256i*)parts, acc);
      bsum[s] = (int32_t)(parts[0] + parts[1] + parts[2] + parts[3] - 256 * 128);
    }
  }
}

namespace {

// T2 rows into the MAD panel: per 32-weight slice (half h, shift l) one shift and one mask give
// each row's codes of columns 64l + 32h .. +31 as 8 dwords (dword j: k/4 = 16l + 8h + j); two
// 8 x 8 dword transposes (rows 0-7, 8-15) put them in [k/4][row][4] order. Rows past the tensor
// decode as 0 (their outputs are not stored).
static inline void transpose8x8(__m256i v[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      u[4 * i + 2 * j] = _mm256_unpacklo_epi64(t[4 * i + j], t[4 * i + 2 + j]);
      u[4 * i + 2 * j + 1] = _mm256_unpackhi_epi64(t[4 * i + j], t[4 * i + 2 + j]);
    }
  // u[0..3]: rows 0-3, dwords (0|4), (1|5), (2|6), (3|7); u[4..7]: rows 4-7
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
    v[4 + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
  }
}

static void decode_t2_tile(const t3::Args& a, int64_t tile, int64_t s0, int64_t s1, uint8_t* panel) {
  const int64_t rb = t2::row_bytes(a.K);
  const __m256i m3 = _mm256_set1_epi8(3);
  for (int64_t s = s0; s < s1; ++s)
    for (int h = 0; h < 2; ++h)
      for (int half = 0; half < 2; ++half) {
        __m256i x[8];
        for (int i = 0; i < 8; ++i) {
          const int64_t r = tile * 16 + 8 * half + i;
          x[i] = r < a.rows ? _mm256_load_si256(reinterpret_cast<const __m256i*>(a.codes + r * rb + s * t2::kSegBytes + 32 * h))
                            : _mm256_setzero_si256();
        }
        for (int l = 0; l < 4; ++l) {
          __m256i v[8];
          for (int i = 0; i < 8; ++i) v[i] = _mm256_and_si256(l ? _mm256_srli_epi16(x[i], 2 * l) : x[i], m3);
          transpose8x8(v);
          uint8_t* out = panel + (s - s0) * 4096 + (16 * l + 8 * h) * 64 + 32 * half;
          for (int j = 0; j < 8; ++j) _mm256_store_si256(reinterpret_cast<__m256i*>(out + 64 * j), v[j]);
        }
      }
}

// Blocks of up to kMadTokenBlock tokens; per block, groups of kMadGroup tiles (t3::for_tile_groups);
// per group, K in chunks of kMadChunk segments: decode the chunk of the group's tiles (T3 or T2), then pass every
// token of the block over it.
template <typename Decode>
static void mad_compute(const t3::Args& a, bool t2_layout, Decode decode) {
  const int64_t segs = t3::segments(a.K), end = (a.r1 + 15) / 16, rec = t3::mad_record_bytes(a.K);
  alignas(64) uint8_t panel[kMadGroup * kMadChunk * 4096];
  Out o[kMadTokenBlock * kMadGroup];
  t3::for_tile_groups(a, kMadGroup, kMadTokenBlock, [&](int64_t tile, int ng, int64_t tb0, int64_t tb1) {
    for (int64_t i = 0; i < (tb1 - tb0) * kMadGroup; ++i) out_init(o[i]);
    for (int64_t s0 = 0; s0 < segs; s0 += kMadChunk) {
      const int64_t s1 = segs - s0 < kMadChunk ? segs : s0 + kMadChunk;
      for (int p = 0; p < ng; ++p) decode(a, tile + p, s0, s1, panel + p * kMadChunk * 4096);
      t3::NextChunkPrefetch next(a, t2_layout, tile, kMadGroup, kMadChunk, s1, end);
      int64_t t = tb0;
      for (const int64_t blocks = (tb1 - tb0) / 4; t + 4 <= tb1; t += 4) {
        next.step(blocks);
        mad_group<4>(a, tile, ng, t, s0, s1, panel, o + (t - tb0) * kMadGroup);
      }
      next.finish();
      switch (tb1 - t) {
        case 3: mad_group<3>(a, tile, ng, t, s0, s1, panel, o + (t - tb0) * kMadGroup); break;
        case 2: mad_group<2>(a, tile, ng, t, s0, s1, panel, o + (t - tb0) * kMadGroup); break;
        case 1: mad_group<1>(a, tile, ng, t, s0, s1, panel, o + (t - tb0) * kMadGroup); break;
        default: break;
      }
    }
    for (int64_t t = tb0; t < tb1; ++t) {
      const float inv = reinterpret_cast<const t3::ActHeader*>(a.acts + t * rec)->inv_scale;
      for (int p = 0; p < ng; ++p) finish(a, tile + p, t, o[(t - tb0) * kMadGroup + p], inv);
    }
  });
}

}  // namespace

void ternary_mad_compute(const t3::Args& a) { mad_compute(a, false, decode_tile); }

void ternary_t2_mad_compute(const t3::Args& a) { mad_compute(a, true, decode_t2_tile); }

}  // namespace avx2
}  // namespace ryzen
