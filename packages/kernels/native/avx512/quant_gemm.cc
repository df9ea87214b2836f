// AVX-512 (F/BW/VL/VNNI) integer matmul kernels: Q8_0 / Q4_0 against A32 activations, Q4_K / Q6_K
// against A256 activations. vpdpbusd multiplies u8 x s8, so signed weight codes are split into
// |w| (u8, computed once per block) and the activation negated where w < 0 (one masked op per
// token); that is exact for every int8 code including -128.
// Each weight block is decoded once and applied to up to 8 tokens (GEMM reuse).
// ISA rule: only intrinsics, static helpers and the extern functions below.
// GCC 12 warns about its own AVX-512 intrinsic headers (`__Y = __Y` placeholders).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <stdint.h>
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx512 {
namespace {

// One 256-value block of a K-quant row against int8 activations a: vpmaddubsw forms int16 pair
// sums of the u8 codes v[k] (values 64k..64k+63) times a, and vpdpwssd multiplies them by the
// per-pair int16 sub-block scales s[k] and adds them into int32 lanes.
static inline __m512i dot256(const __m512i (&v)[4], const __m512i (&s)[4], const int8_t* a) {
  __m512i isum = _mm512_setzero_si512();
  for (int k = 0; k < 4; k++) {
    const __m512i av = _mm512_loadu_si512((const void*)(a + 64 * k));
    isum = _mm512_dpwssd_epi32(isum, _mm512_maddubs_epi16(v[k], av), s[k]);  // VNNI: madd + add in one
  }
  return isum;
}

constexpr int kTile = 8;  // 32 zmm registers: up to 8 token accumulators beside the decoded block

static inline float load_f16(const uint8_t* p) { return _cvtsh_ss((uint16_t)(p[0] | (p[1] << 8))); }

static inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// ---- Q8_0 / Q4_0: two 32-element blocks per 512-bit step ----
static inline __m256i codes_q8_0(const uint8_t* b) { return _mm256_loadu_si256((const __m256i*)(b + 2)); }
static inline __m256i codes_q4_0(const uint8_t* b) {
  const __m128i q = _mm_loadu_si128((const __m128i*)(b + 2));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(q, 4), q);
  return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
}

// Two consecutive blocks' codes in one register (block b in the low half).
static inline __m512i codes2_q8_0(const uint8_t* b) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(codes_q8_0(b)), codes_q8_0(b + kQ8_0Block), 1);
}
static inline __m512i codes2_q4_0(const uint8_t* b) {
  // 128-bit chunks after the nibble split: b0[0..16), b1[0..16), b0[16..32), b1[16..32)
  const __m256i raw = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i*)(b + 2))),
                                              _mm_loadu_si128((const __m128i*)(b + kQ4_0Block + 2)), 1);
  const __m512i nib = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(raw), _mm256_srli_epi16(raw, 4), 1),
                                       _mm512_set1_epi8(0x0F));
  return _mm512_sub_epi8(_mm512_shuffle_i64x2(nib, nib, _MM_SHUFFLE(3, 1, 2, 0)), _mm512_set1_epi8(8));
}

template <int NT, __m256i (*Codes)(const uint8_t*), __m512i (*Codes2)(const uint8_t*), int BlockBytes>
static void row_a32(const uint8_t* w, const uint8_t* const* acts, int64_t K, float* out) {
  __m512 acc[NT];
  for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_ps();
  const int64_t nb = K / 32;
  const __m512i zero = _mm512_setzero_si512();
  int64_t b = 0;
  // lanes 0..7 hold block b's partial sums, lanes 8..15 block b+1's: scales are spread likewise
  const __m512i pair = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  for (; b + 2 <= nb; b += 2, w += 2 * BlockBytes) {
    const __m512i q = Codes2(w);
    const __m512i qa = _mm512_abs_epi8(q);
    const __mmask64 neg = _mm512_movepi8_mask(q);
    const uint32_t h2 = (uint32_t)(w[0] | (w[1] << 8)) | ((uint32_t)(w[BlockBytes] | (w[BlockBytes + 1] << 8)) << 16);
    const __m512 wd = _mm512_permutexvar_ps(pair, _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi32_si128((int)h2))));
    for (int t = 0; t < NT; t++) {
      const __m512i a = _mm512_loadu_si512((const void*)(a32_q(acts[t]) + b * 32));
      const __m512i as = _mm512_mask_sub_epi8(a, neg, zero, a);
      const __m512i dot = _mm512_dpbusd_epi32(zero, qa, as);
      const __m128 ad2 = _mm_castpd_ps(_mm_load_sd((const double*)(a32_d(acts[t], K) + b)));
      const __m512 s = _mm512_mul_ps(wd, _mm512_permutexvar_ps(pair, _mm512_castps128_ps512(ad2)));
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), s, acc[t]);
    }
  }
  float tail[NT];
  for (int t = 0; t < NT; t++) tail[t] = 0.0f;
  if (b < nb) {  // odd block count: one 256-bit step
    const __m256i q = Codes(w);
    const __m256i qa = _mm256_abs_epi8(q);
    const __mmask32 neg = _mm256_movepi8_mask(q);
    const float wd = load_f16(w);
    for (int t = 0; t < NT; t++) {
      const __m256i a = _mm256_loadu_si256((const __m256i*)(a32_q(acts[t]) + b * 32));
      const __m256i as = _mm256_mask_sub_epi8(a, neg, _mm256_setzero_si256(), a);
      const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), qa, as);
      tail[t] = hsum256(_mm256_cvtepi32_ps(dot)) * (wd * a32_d(acts[t], K)[b]);
    }
  }
  for (int t = 0; t < NT; t++) out[t] = _mm512_reduce_add_ps(acc[t]) + tail[t];
}

// ---- Q4_K ----

// The 8 six-bit scales (bytes 0..7) and mins (bytes 8..15) of a Q4_K super-block, unpacked from
// its 12 packed bytes (same values as q4k_scale_min for j = 0..7). In 32-bit lanes u0..u2:
//   scales 0-3 = u0 & 0x3f..;  scales 4-7 = (u2 & 0x0f..) | ((u0 >> 6) & 0x03..) << 4
//   mins   0-3 = u1 & 0x3f..;  mins   4-7 = ((u2 >> 4) & 0x0f..) | ((u1 >> 6) & 0x03..) << 4
// p points at the 12 bytes inside a block, so the 16-byte load stays inside it.
static inline __m128i q4k_scales_mins(const uint8_t* p) {
  const __m128i v = _mm_loadu_si128((const __m128i*)p);
  const __m128i a = _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0));  // u0 u2 u1 u2
  const __m128i b = _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0));  // u0 u0 u1 u1
  const __m128i lo = _mm_and_si128(_mm_srlv_epi32(a, _mm_setr_epi32(0, 0, 0, 4)),
                                   _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  const __m128i hi = _mm_and_si128(_mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(b, 6), _mm_set1_epi32(0x03030303)), 4),
                                   _mm_setr_epi32(0, -1, 0, -1));
  return _mm_or_si128(lo, hi);
}
// mins repeated per 16-element group (m0,m0,m1,m1,...) as int16, to pair with the A256 16-sums
static inline __m256i q4k_mins_per16(__m128i scm) {
  return _mm256_cvtepu8_epi16(_mm_shuffle_epi8(scm, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15)));
}
template <int NT>
static void row_q4_K(const uint8_t* w, const uint8_t* const* acts, int64_t K, float* out) {
  __m512 acc[NT];
  __m256 accm[NT];
  for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_ps(), accm[t] = _mm256_setzero_ps();
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  // int16 lane j of the 64-element vector v belongs to sub-block 2v + j/16
  const __m512i idx0 = _mm512_set_epi16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 0, 0, 0, 0, 0, 0);
  for (int64_t b = 0; b < K / 256; b++, w += kQ4_KBlock) {
    const float d = load_f16(w), dmin = load_f16(w + 2);
    const __m128i scm = q4k_scales_mins(w + 4);
    const __m256i mins16 = q4k_mins_per16(scm);
    const __m512i sc16 = _mm512_castsi128_si512(_mm_cvtepu8_epi16(scm));
    __m512i v[4], s[4];
    for (int h = 0; h < 2; h++) {
      const __m512i q = _mm512_loadu_si512((const void*)(w + 16 + 64 * h));
      const __m512i lo = _mm512_and_si512(q, m4);                         // sub-blocks 4h, 4h+2
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);  // sub-blocks 4h+1, 4h+3
      v[2 * h] = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(1, 0, 1, 0));      // elements 128h + [0, 64)
      v[2 * h + 1] = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(3, 2, 3, 2));  // elements 128h + [64, 128)
    }
    for (int k = 0; k < 4; k++)
      s[k] = _mm512_permutexvar_epi16(_mm512_add_epi16(idx0, _mm512_set1_epi16((short)(2 * k))), sc16);
    for (int t = 0; t < NT; t++) {
      __m512i isum = dot256(v, s, a256_q(acts[t]) + b * 256);
      const float ad = a256_d(acts[t], K)[b];
      const __m256i bs = _mm256_loadu_si256((const __m256i*)(a256_sum(acts[t], K) + b * 16));
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * ad), acc[t]);
      accm[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(bs, mins16)), _mm256_set1_ps(dmin * ad), accm[t]);
    }
  }
  for (int t = 0; t < NT; t++) out[t] = _mm512_reduce_add_ps(acc[t]) - hsum256(accm[t]);
}

// ---- Q6_K ----
template <int NT>
static void row_q6_K(const uint8_t* w, const uint8_t* const* acts, int64_t K, float* out) {
  __m512 acc[NT];
  for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_ps();
  const __m512i m4 = _mm512_set1_epi8(0x0F), m2 = _mm512_set1_epi8(3);
  // qh bit pairs: the low 256 bits of vector A use shift 0, the high 256 bits shift 2 (B: 4 / 6)
  const __m512i shA = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
  const __m512i shB = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1);
  // int16 lane j of a 64-element vector covers group j/8 (of 16 elements) within it
  const __m512i idx0 = _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0,
                                        0, 0, 0, 0, 0, 0, 0);
  for (int64_t b = 0; b < K / 256; b++, w += kQ6_KBlock) {
    const float d = load_f16(w + 208);
    const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(w + 192)));
    const __m256i sc16x32 = _mm256_slli_epi16(sc16, 5);  // 32 * scale fits int16 (|.| <= 4096)
    const __m512i sc512 = _mm512_castsi256_si512(sc16);
    __m512i v[4], s[4];
    for (int h = 0; h < 2; h++) {
      const __m512i ql = _mm512_loadu_si512((const void*)(w + 64 * h));
      const __m512i hb = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i*)(w + 128 + 32 * h)));
      const __m512i hA = _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, shA), m2), 4);
      const __m512i hB = _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, shB), m2), 4);
      v[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, m4), hA);                              // 128h + [0, 64)
      v[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4), hB);  // 128h + [64, 128)
    }
    for (int k = 0; k < 4; k++)
      s[k] = _mm512_permutexvar_epi16(_mm512_add_epi16(idx0, _mm512_set1_epi16((short)(4 * k))), sc512);
    for (int t = 0; t < NT; t++) {
      __m512i isum = dot256(v, s, a256_q(acts[t]) + b * 256);
      // codes are stored +32: subtract 32 * sum_g sc[g] * (sum of group g's activations)
      const __m256i bs = _mm256_loadu_si256((const __m256i*)(a256_sum(acts[t], K) + b * 16));
      const __m256i corr = _mm256_madd_epi16(bs, sc16x32);
      isum = _mm512_sub_epi32(isum, _mm512_zextsi256_si512(corr));
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * a256_d(acts[t], K)[b]), acc[t]);
    }
  }
  for (int t = 0; t < NT; t++) out[t] = _mm512_reduce_add_ps(acc[t]);
}

// Rows [r0, r1) x all tokens. Tokens go in tiles of up to kTile sharing each decoded weight
// block; rows go in blocks of kRowBlock so one token tile's activations stay in L1 while it
// meets every row of the block (the block's weights stay in L2).
constexpr int64_t kRowBlock = 16;

template <template <int> class Row>
static void gemm(const GemmArgs& g) {
  for (int64_t rb = g.r0; rb < g.r1; rb += kRowBlock) {
    const int64_t re = g.r1 - rb < kRowBlock ? g.r1 : rb + kRowBlock;
    for (int64_t t0 = 0; t0 < g.n; t0 += kTile) {
      const int nt = (int)(g.n - t0 < kTile ? g.n - t0 : kTile);
      const uint8_t* acts[kTile];
      for (int t = 0; t < nt; t++) acts[t] = g.acts + (t0 + t) * g.act_row_bytes;
      for (int64_t r = rb; r < re; r++) {
        const uint8_t* w = g.w + r * g.w_row_bytes;
        if (nt <= 2) prefetch_piece_ahead(w, g.w_row_bytes);
        float out[kTile];
        switch (nt) {
          case 1: Row<1>::run(w, acts, g.K, out); break;
          case 2: Row<2>::run(w, acts, g.K, out); break;
          case 3: Row<3>::run(w, acts, g.K, out); break;
          case 4: Row<4>::run(w, acts, g.K, out); break;
          case 5: Row<5>::run(w, acts, g.K, out); break;
          case 6: Row<6>::run(w, acts, g.K, out); break;
          case 7: Row<7>::run(w, acts, g.K, out); break;
          default: Row<8>::run(w, acts, g.K, out); break;
        }
        for (int t = 0; t < nt; t++) g.y[(t0 + t) * g.ldy + r] = out[t];
      }
    }
  }
}

template <int NT> struct RowQ8_0 { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_a32<NT, codes_q8_0, codes2_q8_0, kQ8_0Block>(w, a, K, o); } };
template <int NT> struct RowQ4_0 { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_a32<NT, codes_q4_0, codes2_q4_0, kQ4_0Block>(w, a, K, o); } };
template <int NT> struct RowQ4_K { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_q4_K<NT>(w, a, K, o); } };
template <int NT> struct RowQ6_K { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_q6_K<NT>(w, a, K, o); } };

}  // namespace

void gemm_q8_0(const GemmArgs& g) { gemm<RowQ8_0>(g); }
void gemm_q4_0(const GemmArgs& g) { gemm<RowQ4_0>(g); }
void gemm_q4_K(const GemmArgs& g) { gemm<RowQ4_K>(g); }
void gemm_q6_K(const GemmArgs& g) { gemm<RowQ6_K>(g); }

}  // namespace avx512
}  // namespace ryzen
