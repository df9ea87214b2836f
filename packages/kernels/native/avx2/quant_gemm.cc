// AVX2 (+FMA, F16C) integer matmul kernels: Q8_0 / Q4_0 against A32 activations, Q4_K / Q6_K
// against A256 activations, built on vpmaddubsw (u8 x s8 -> s16 pairs) + vpmaddwd.
// Each weight block is decoded once and applied to up to 4 tokens (GEMM reuse).
// ISA rule: only intrinsics, static helpers and the extern table below.
// GCC 12 warns about its own AVX-512 intrinsic headers (`__Y = __Y` placeholders).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <stdint.h>
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

static inline float load_f16(const uint8_t* p) {
  uint16_t h = (uint16_t)(p[0] | (p[1] << 8));
  return _cvtsh_ss(h);
}

// Signed x signed int8 dot in 8 int32 lanes (|w| * sign(a, w); w is never -128 in practice).
static inline __m256i dot_i8(__m256i w, __m256i a) {
  const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

// ---- Q8_0 / Q4_0: one 32-element block per step; `Unpack` yields the block's 32 signed codes ----
static inline __m256i unpack_q8_0(const uint8_t* b) { return _mm256_loadu_si256((const __m256i*)(b + 2)); }
static inline __m256i unpack_q4_0(const uint8_t* b) {
  const __m128i q = _mm_loadu_si128((const __m128i*)(b + 2));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(q, 4), q);
  return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
}

template <int NT, __m256i (*Unpack)(const uint8_t*), int BlockBytes>
static void row_a32(const uint8_t* w, const uint8_t* const* acts, int64_t K, float* out) {
  __m256 acc[NT];
  for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();
  const int64_t nb = K / 32;
  for (int64_t b = 0; b < nb; b++, w += BlockBytes) {
    const __m256i q = Unpack(w);
    const float wd = load_f16(w);
    for (int t = 0; t < NT; t++) {
      const __m256i a = _mm256_loadu_si256((const __m256i*)(a32_q(acts[t]) + b * 32));
      const __m256 s = _mm256_set1_ps(wd * a32_d(acts[t], K)[b]);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_i8(q, a)), s, acc[t]);
    }
  }
  for (int t = 0; t < NT; t++) out[t] = hsum(acc[t]);
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
// Scale j broadcast as int16 from the 8 scales (as int16, in both lanes): one vpshufb each.
// (Broadcasting each from a stored byte took 3 instructions.)
static inline __m256i pick_word(__m256i words, int j) {
  return _mm256_shuffle_epi8(words, _mm256_set1_epi16((short)(2 * j | (2 * j + 1) << 8)));
}
template <int NT>
static void row_q4_K(const uint8_t* w, const uint8_t* const* acts, int64_t K, float* out) {
  __m256 acc[NT];
  for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  for (int64_t b = 0; b < K / 256; b++, w += kQ4_KBlock) {
    const float d = load_f16(w), dmin = load_f16(w + 2);
    const __m128i scm = q4k_scales_mins(w + 4);
    const __m256i mins16 = q4k_mins_per16(scm);
    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scm));  // scales 0..7, both lanes
    __m256i isum[NT];
    for (int t = 0; t < NT; t++) isum[t] = _mm256_setzero_si256();
    for (int p = 0; p < 4; p++) {
      const __m256i q = _mm256_loadu_si256((const __m256i*)(w + 16 + 32 * p));
      const __m256i lo = _mm256_and_si256(q, m4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      const __m256i slo = pick_word(sc16, 2 * p), shi = pick_word(sc16, 2 * p + 1);
      for (int t = 0; t < NT; t++) {
        const int8_t* a = a256_q(acts[t]) + b * 256 + 64 * p;
        const __m256i a0 = _mm256_loadu_si256((const __m256i*)a);
        const __m256i a1 = _mm256_loadu_si256((const __m256i*)(a + 32));
        isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(_mm256_maddubs_epi16(lo, a0), slo));
        isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(_mm256_maddubs_epi16(hi, a1), shi));
      }
    }
    for (int t = 0; t < NT; t++) {
      const float ad = a256_d(acts[t], K)[b];
      const __m256i bs = _mm256_loadu_si256((const __m256i*)(a256_sum(acts[t], K) + b * 16));
      const __m256 msum = _mm256_cvtepi32_ps(_mm256_madd_epi16(bs, mins16));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_set1_ps(d * ad), acc[t]);
      acc[t] = _mm256_fnmadd_ps(msum, _mm256_set1_ps(dmin * ad), acc[t]);
    }
  }
  for (int t = 0; t < NT; t++) out[t] = hsum(acc[t]);
}

// ---- Q6_K ----
// Group g of a 128-weight half takes scales 2g (low lane) and 2g+1 (high lane) of the half's 8:
// one vpshufb of the half's scales (as int16, in both lanes) per group. (Building each pair
// from scalars took ~60 of the ~150 instructions per block.)
struct Q6Scales {
  __m256i pick[4];
  Q6Scales() {
    alignas(32) int8_t m[32];
    for (int g = 0; g < 4; g++) {
      for (int e = 0; e < 32; e++) m[e] = (int8_t)(4 * g + 2 * (e / 16) + (e & 1));
      pick[g] = _mm256_load_si256((const __m256i*)m);
    }
  }
};

template <int NT>
static void row_q6_K(const uint8_t* w, const uint8_t* const* acts, int64_t K, float* out) {
  __m256 acc[NT];
  for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();
  const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(3);
  const Q6Scales q6s;
  for (int64_t b = 0; b < K / 256; b++, w += kQ6_KBlock) {
    const int8_t* sc = (const int8_t*)(w + 192);
    const float d = load_f16(w + 208);
    const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)sc));
    const __m256i sc16x32 = _mm256_slli_epi16(sc16, 5);  // 32 * scale fits int16 (|.| <= 4096)
    __m256i isum[NT];
    for (int t = 0; t < NT; t++) isum[t] = _mm256_setzero_si256();
    for (int h = 0; h < 2; h++) {
      const __m256i l0 = _mm256_loadu_si256((const __m256i*)(w + 64 * h));
      const __m256i l1 = _mm256_loadu_si256((const __m256i*)(w + 64 * h + 32));
      const __m256i hb = _mm256_loadu_si256((const __m256i*)(w + 128 + 32 * h));
      __m256i q[4];
      q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
      q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4),
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4));
      q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4));
      q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4));
      // scales 8h..8h+7, both lanes (two calls: the immediate must be a constant even unoptimised)
      const __m256i half_sc = h ? _mm256_permute4x64_epi64(sc16, 0xEE) : _mm256_permute4x64_epi64(sc16, 0x44);
      __m256i s[4];
      for (int g = 0; g < 4; g++) s[g] = _mm256_shuffle_epi8(half_sc, q6s.pick[g]);
      for (int t = 0; t < NT; t++) {
        const int8_t* a = a256_q(acts[t]) + b * 256 + 128 * h;
        for (int g = 0; g < 4; g++) {
          const __m256i av = _mm256_loadu_si256((const __m256i*)(a + 32 * g));
          isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(_mm256_maddubs_epi16(q[g], av), s[g]));
        }
      }
    }
    for (int t = 0; t < NT; t++) {
      // codes are stored +32: subtract 32 * sum_g sc[g] * (sum of the 16 activations of group g)
      const __m256i bs = _mm256_loadu_si256((const __m256i*)(a256_sum(acts[t], K) + b * 16));
      const __m256i corr = _mm256_madd_epi16(bs, sc16x32);
      const __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(isum[t], corr));
      acc[t] = _mm256_fmadd_ps(v, _mm256_set1_ps(d * a256_d(acts[t], K)[b]), acc[t]);
    }
  }
  for (int t = 0; t < NT; t++) out[t] = hsum(acc[t]);
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
          default: Row<4>::run(w, acts, g.K, out); break;
        }
        for (int t = 0; t < nt; t++) g.y[(t0 + t) * g.ldy + r] = out[t];
      }
    }
  }
}

template <int NT> struct RowQ8_0 { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_a32<NT, unpack_q8_0, kQ8_0Block>(w, a, K, o); } };
template <int NT> struct RowQ4_0 { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_a32<NT, unpack_q4_0, kQ4_0Block>(w, a, K, o); } };
template <int NT> struct RowQ4_K { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_q4_K<NT>(w, a, K, o); } };
template <int NT> struct RowQ6_K { static void run(const uint8_t* w, const uint8_t* const* a, int64_t K, float* o) { row_q6_K<NT>(w, a, K, o); } };

}  // namespace

void gemm_q8_0(const GemmArgs& g) { gemm<RowQ8_0>(g); }
void gemm_q4_0(const GemmArgs& g) { gemm<RowQ4_0>(g); }
void gemm_q4_K(const GemmArgs& g) { gemm<RowQ4_K>(g); }
void gemm_q6_K(const GemmArgs& g) { gemm<RowQ6_K>(g); }

}  // namespace avx2
}  // namespace ryzen
