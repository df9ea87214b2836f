// AVX-512 row kernels of the non-matmul ops (masked tails, so any length). exp is a Cephes-style
// polynomial (about 2 ulp), exact 0 below -87.3 so masked (-inf) scores vanish.
// ISA rule: only intrinsics, static helpers and the extern table below.
// GCC 12 warns about its own AVX-512 intrinsic headers (`__Y = __Y` placeholders).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <type_traits>
#include <math.h>
#include <stdint.h>
#include "avx512/transpose.h"
#include "core/prefetch.h"
#include "scalar/ops_kernels.h"

namespace ryzen {
namespace avx512 {
namespace {

static inline __mmask16 tail_mask(int64_t left) {
  return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

static inline __m512 exp16(__m512 x) {
  const __m512 hi = _mm512_set1_ps(88.3762626647949f), lo = _mm512_set1_ps(-87.3365447505531f);
  const __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
  x = _mm512_max_ps(_mm512_min_ps(x, hi), lo);
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500E-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894E-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459E-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201E-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  // 2^n may need 2^128 at the top of the range: scale in two halves
  const __m512i ni = _mm512_cvtps_epi32(n);
  const __m512i h1 = _mm512_srai_epi32(ni, 1), h2 = _mm512_sub_epi32(ni, h1);
  const __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(h1, _mm512_set1_epi32(127)), 23));
  const __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(h2, _mm512_set1_epi32(127)), 23));
  return _mm512_maskz_mov_ps(~under, _mm512_mul_ps(_mm512_mul_ps(p, s1), s2));
}

static inline __m512 silu16(__m512 x) {
  const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), x));
  return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}
static inline __m512 gelu16(__m512 x) {
  const __m512 x2 = _mm512_mul_ps(x, x);
  const __m512 u = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.7978845608028654f), x),
                                 _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), x2, _mm512_set1_ps(1.0f)));
  // tanh(u) = 1 - 2 / (exp(2u) + 1)
  const __m512 e = exp16(_mm512_add_ps(u, u));
  const __m512 th = _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
  return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), _mm512_add_ps(_mm512_set1_ps(1.0f), th));
}
static inline __m512 relu2_16(__m512 x) {
  const __m512 r = _mm512_max_ps(x, _mm512_setzero_ps());
  return _mm512_mul_ps(r, r);
}

// Sum of squares in double (like the scalar kernel), so the scale - and with it the output -
// does not depend on the ISA path: tiny differences here would otherwise flip roundings
// downstream (e.g. of f16 KV-cache entries).
static void rms_norm(float* out, const float* x, const float* w, int64_t n, float eps) {
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  for (int64_t i = 0; i < n; i += 16) {
    const __m512 a = _mm512_maskz_loadu_ps(tail_mask(n - i), x + i);
    const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(a));
    const __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
    s0 = _mm512_fmadd_pd(lo, lo, s0);
    s1 = _mm512_fmadd_pd(hi, hi, s1);
  }
  const double ss = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
  const __m512 r = _mm512_set1_ps((float)(1.0 / sqrt(ss / (double)n + (double)eps)));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), r);
    if (w) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, w + i));
    _mm512_mask_storeu_ps(out + i, m, v);
  }
}

#define RYZEN_BINARY(name, expr)                                                 \
  static void name(float* out, const float* a, const float* b, int64_t n) {      \
    for (int64_t i = 0; i < n; i += 16) {                                        \
      const __mmask16 m = tail_mask(n - i);                                      \
      const __m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i); \
      _mm512_mask_storeu_ps(out + i, m, expr);                                   \
    }                                                                            \
  }
#define RYZEN_UNARY(name, expr)                                                  \
  static void name(float* out, const float* a, int64_t n) {                      \
    for (int64_t i = 0; i < n; i += 16) {                                        \
      const __mmask16 m = tail_mask(n - i);                                      \
      const __m512 x = _mm512_maskz_loadu_ps(m, a + i);                          \
      _mm512_mask_storeu_ps(out + i, m, expr);                                   \
    }                                                                            \
  }

RYZEN_BINARY(add, _mm512_add_ps(x, y))
RYZEN_BINARY(mul, _mm512_mul_ps(x, y))
RYZEN_BINARY(silu_mul, _mm512_mul_ps(silu16(x), y))
RYZEN_BINARY(relu2_mul, _mm512_mul_ps(relu2_16(x), y))
RYZEN_UNARY(silu, silu16(x))
RYZEN_UNARY(gelu, gelu16(x))
RYZEN_UNARY(relu2, relu2_16(x))

static void scale(float* out, const float* a, float s, int64_t n) {
  const __m512 sv = _mm512_set1_ps(s);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + i), sv));
  }
}

static void softmax(float* out, const float* x, int64_t n) {
  __m512 mv = _mm512_set1_ps(-INFINITY);
  for (int64_t i = 0; i < n; i += 16) mv = _mm512_max_ps(mv, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), tail_mask(n - i), x + i));
  const float m = _mm512_reduce_max_ps(mv);
  if (m == -INFINITY) {
    for (int64_t i = 0; i < n; i++) out[i] = 0.0f;
    return;
  }
  const __m512 mb = _mm512_set1_ps(m);
  __m512 sum = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = tail_mask(n - i);
    const __m512 e = _mm512_maskz_mov_ps(k, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mb)));
    sum = _mm512_add_ps(sum, e);
    _mm512_mask_storeu_ps(out + i, k, e);
  }
  const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, out + i), inv));
  }
}

// ---- attention ----
// K/V rows are decoded to f32 once per position and shared by the nq query heads of the group.
// Hardware conversion rounds to nearest even like the scalar f32_to_fp16 (NaN payloads aside).
static void encode_f16(const float* src, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_mask_storeu_epi16((uint16_t*)dst + i, m, h);
  }
}

// RoPE on 16 floats at a time, masked tails (FMA: may differ from the scalar path in the last bit).
static void rope_rotate(const float* cs, const float* x, float* out, int64_t nh, int64_t hd, int64_t n_rot, int mode) {
  const int64_t half = n_rot / 2;
  const float* cosv = cs;
  const float* sinv = cs + half;
  const __m512i dup = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  for (int64_t h = 0; h < nh; h++, x += hd, out += hd) {
    if (mode == 0) {
      // 8 pairs (e, o) per step: out = x*(c c) -/+ swap(x)*(s s), even lanes subtract
      for (int64_t i = 0; i < half; i += 8) {
        const int64_t left = half - i;
        const __mmask8 m8 = left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1);
        const __mmask16 m16 = tail_mask(2 * left);
        const __m512 cc = _mm512_permutexvar_ps(dup, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(m8, cosv + i)));
        const __m512 ss = _mm512_permutexvar_ps(dup, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(m8, sinv + i)));
        const __m512 v = _mm512_maskz_loadu_ps(m16, x + 2 * i);
        const __m512 sw = _mm512_permute_ps(v, 0xB1);
        _mm512_mask_storeu_ps(out + 2 * i, m16, _mm512_fmaddsub_ps(v, cc, _mm512_mul_ps(sw, ss)));
      }
    } else {
      for (int64_t i = 0; i < half; i += 16) {
        const __mmask16 m = tail_mask(half - i);
        const __m512 c = _mm512_maskz_loadu_ps(m, cosv + i), s = _mm512_maskz_loadu_ps(m, sinv + i);
        const __m512 x0 = _mm512_maskz_loadu_ps(m, x + i), x1 = _mm512_maskz_loadu_ps(m, x + half + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_fmsub_ps(x0, c, _mm512_mul_ps(x1, s)));
        _mm512_mask_storeu_ps(out + half + i, m, _mm512_fmadd_ps(x0, s, _mm512_mul_ps(x1, c)));
      }
    }
  }
}

// 16 floats of one K or V row straight from the cache, lanes outside m zero (Q8_0: hd is a
// multiple of 32, so 16 lanes never straddle a block). Exactly the floats the row stores.
struct RowF32 {
  static inline __attribute__((always_inline)) __m512 load(const uint8_t* row, int64_t i, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, (const float*)row + i);
  }
};
struct RowF16 {
  static inline __attribute__((always_inline)) __m512 load(const uint8_t* row, int64_t i, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t*)row + i));
  }
};
struct RowQ8_0 {
  static inline __attribute__((always_inline)) __m512 load(const uint8_t* row, int64_t i, __mmask16 m) {
    const uint8_t* b = row + i / 32 * 34;
    const __m512 d = _mm512_set1_ps(_cvtsh_ss((uint16_t)(b[0] | (b[1] << 8))));
    const __m128i q = _mm_maskz_loadu_epi8(m, b + 2 + i % 32);
    return _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)));
  }
};

// Where dot4 and accumulate_chunk read rows: at(r) is row r, whose load(i, m) gives floats
// [i, i + 16) under m. Decoded floats, hd apart (a staged chunk):
struct FloatRows {
  struct At {
    const float* p;
    inline __attribute__((always_inline)) __m512 load(int64_t i, __mmask16 m) const { return _mm512_maskz_loadu_ps(m, p + i); }
  };
  const float* p;
  int64_t hd;
  At at(int64_t r) const { return {p + r * hd}; }
};
// or straight from the cache, `stride` bytes apart (decode: its few queries use each row once, so
// staging it only added a store and a load per vector, and a call per row). Same floats either way.
template <class Row>
struct CacheRows {
  struct At {
    const uint8_t* p;
    inline __attribute__((always_inline)) __m512 load(int64_t i, __mmask16 m) const { return Row::load(p, i, m); }
  };
  const uint8_t* p;
  size_t stride;
  At at(int64_t r) const { return {p + r * stride}; }
};

// A whole row decoded into floats.
template <class Row>
static void decode_row(const uint8_t* row, float* out, int64_t hd) {
  for (int64_t i = 0; i < hd; i += 16) {
    const __mmask16 m = tail_mask(hd - i);
    _mm512_mask_storeu_ps(out + i, m, Row::load(row, i, m));
  }
}
// Sums of four vectors in lanes 0..3 of the result (one reduction tree instead of four).
static inline __m128 reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
  const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));  // a0 b0 a1 b1 per 128-bit lane
  const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
  __m512 x = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 2, 3, 2)));
  x = _mm512_add_ps(x, _mm512_shuffle_f32x4(x, x, _MM_SHUFFLE(1, 0, 3, 2)));
  x = _mm512_add_ps(x, _mm512_shuffle_f32x4(x, x, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castps512_ps128(x);
}

// q . k for NQ queries (hd floats apart) and K rows j..j+3 of `k` (rows past `rows` repeat the last
// one and are not stored): each (query, row) sum runs in the same order as for one query alone, but
// the 4 x NQ chains interleave. (One query's four chains were bound by FMA latency: prefill
// attention at 1k tokens ran ~1 FMA per cycle.)
template <int NQ, class Rows>
static inline void dot4(const float* q, const Rows& k, int64_t hd, int rows, float scale, float (*out)[kAttendChunk], int64_t j) {
  __m512 a[NQ][4];
  for (int g = 0; g < NQ; g++)
    for (int r = 0; r < 4; r++) a[g][r] = _mm512_setzero_ps();
  typename Rows::At row[4];
  for (int r = 0; r < 4; r++) row[r] = k.at(j + (r < rows ? r : rows - 1));
  for (int64_t i = 0; i < hd; i += 16) {
    const __mmask16 m = tail_mask(hd - i);
    __m512 kr[4];
    for (int r = 0; r < 4; r++) kr[r] = row[r].load(i, m);
    for (int g = 0; g < NQ; g++) {
      const __m512 qv = _mm512_maskz_loadu_ps(m, q + g * hd + i);
      for (int r = 0; r < 4; r++) a[g][r] = _mm512_fmadd_ps(qv, kr[r], a[g][r]);
    }
  }
  for (int g = 0; g < NQ; g++) {
    const __m128 s = _mm_mul_ps(reduce4(a[g][0], a[g][1], a[g][2], a[g][3]), _mm_set1_ps(scale));
    _mm_mask_storeu_ps(out[g] + j, (__mmask8)((1u << rows) - 1), s);
  }
}

// Small heads (hd * kAttendChunk <= kVChunkFloats): a chunk's K rows decoded and transposed once,
// kt[i * kAttendChunk + p] = dimension i of position p, so each query's scores accumulate one
// dimension at a time across 16 positions per vector (no horizontal sums). Rows [rows, 16-row
// boundary) are zeros. `stage` holds 16 decoded rows.
template <void (*Decode)(const uint8_t*, float*, int64_t)>
static void transpose_k(const uint8_t* k, size_t stride, int64_t rows, int64_t hd, float* stage, float* kt) {
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    const int64_t nr = rows - r0 < 16 ? rows - r0 : 16;
    for (int64_t r = 0; r < nr; r++) Decode(k + (r0 + r) * stride, stage + r * hd, hd);
    for (int64_t d0 = 0; d0 < hd; d0 += 16) {
      const __mmask16 m = tail_mask(hd - d0);
      __m512 v[16];
      for (int r = 0; r < 16; r++) v[r] = r < nr ? _mm512_maskz_loadu_ps(m, stage + r * hd + d0) : _mm512_setzero_ps();
      transpose16(v);
      for (int64_t d = 0; d < 16 && d0 + d < hd; d++) _mm512_store_ps(kt + (d0 + d) * kAttendChunk + r0, v[d]);
    }
  }
}

// Scores of NQ queries (hd floats apart) against 16 * NV positions of a transposed chunk from
// position p, with exactly dot4's arithmetic, so a query gets the same bits from either path:
// dot4's vector lane l sums dimensions l, l + 16, ... in order (one FMA chain from zero), and its
// reduction adds the 16 lane sums as ((S0 + S2) + (S1 + S3)) with S_k = (L4k + L4k+2) +
// (L4k+1 + L4k+3); here each lane sum is a vector over 16 positions. Lanes l and l + 2 run together
// (NQ x NV x 2 chains in flight). kWhole: hd is a multiple of 16, so lane l + 2 has every dimension
// lane l has and the second query values broadcast straight from memory (a broadcast from a
// register takes an FMA port on Intel).
template <int NQ, int NV, bool kWhole>
static inline void lane_pair(const float* q, int64_t hd, const float* kt, int64_t p, int l, __m512 (&out)[NQ][NV]) {
  __m512 a[NQ][NV], b[NQ][NV];
  for (int g = 0; g < NQ; g++)
    for (int v = 0; v < NV; v++) a[g][v] = b[g][v] = _mm512_setzero_ps();
  for (int64_t i = l; i < hd; i += 16) {
    const bool second = kWhole || i + 2 < hd;  // lane l + 2 has this dimension too
    __m512 ka[NV], kb[NV];
    for (int v = 0; v < NV; v++) {
      ka[v] = _mm512_load_ps(kt + i * kAttendChunk + p + 16 * v);
      kb[v] = second ? _mm512_load_ps(kt + (i + 2) * kAttendChunk + p + 16 * v) : _mm512_setzero_ps();
    }
    for (int g = 0; g < NQ; g++) {
      const __m512 qa = _mm512_set1_ps(q[g * hd + i]), qb = _mm512_set1_ps(second ? q[g * hd + i + 2] : 0.0f);
      for (int v = 0; v < NV; v++) {
        a[g][v] = _mm512_fmadd_ps(qa, ka[v], a[g][v]);
        b[g][v] = _mm512_fmadd_ps(qb, kb[v], b[g][v]);
      }
    }
  }
  for (int g = 0; g < NQ; g++)
    for (int v = 0; v < NV; v++) out[g][v] = _mm512_add_ps(a[g][v], b[g][v]);
}

template <int NQ, int NV, bool kWhole>
static inline void scores_t(const float* q, int64_t hd, const float* kt, float scale, float (*out)[kAttendChunk], int64_t p) {
  __m512 s[4][NQ][NV];  // S_k
  for (int k = 0; k < 4; k++) {
    __m512 pa[NQ][NV], pb[NQ][NV];
    lane_pair<NQ, NV, kWhole>(q, hd, kt, p, 4 * k, pa);      // L4k + L4k+2
    lane_pair<NQ, NV, kWhole>(q, hd, kt, p, 4 * k + 1, pb);  // L4k+1 + L4k+3
    for (int g = 0; g < NQ; g++)
      for (int v = 0; v < NV; v++) s[k][g][v] = _mm512_add_ps(pa[g][v], pb[g][v]);
  }
  const __m512 sv = _mm512_set1_ps(scale);
  for (int g = 0; g < NQ; g++)
    for (int v = 0; v < NV; v++) {
      const __m512 sum = _mm512_add_ps(_mm512_add_ps(s[0][g][v], s[2][g][v]), _mm512_add_ps(s[1][g][v], s[3][g][v]));
      _mm512_store_ps(out[g] + p + 16 * v, _mm512_mul_ps(sum, sv));
    }
}

// Positions [0, cnt) of the chunk, 32 at a time.
template <int NQ>
static inline void scores_t(const float* q, int64_t hd, const float* kt, int64_t cnt, float scale, float (*out)[kAttendChunk]) {
  const auto run = [&](auto whole) {
    for (int64_t p = 0; p < cnt; p += 32) {
      if (cnt - p > 16) scores_t<NQ, 2, whole.value>(q, hd, kt, scale, out, p);
      else scores_t<NQ, 1, whole.value>(q, hd, kt, scale, out, p);
    }
  };
  if (hd % 16 == 0) run(std::true_type());
  else run(std::false_type());
}

static inline void axpy(float* acc, float w, const float* x, int64_t n) {
  const __m512 wv = _mm512_set1_ps(w);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(acc + i, m, _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, acc + i)));
  }
}

#include "scalar/attend_rows.inc"
#include "scalar/attend_segments.inc"

constexpr int64_t kVChunkFloats = kTransposedMaxHeadDim * kAttendChunk;
constexpr int64_t kTransposedMinQueries = 16;

// For NQ queries g: acc[g*hd ..][0..hd) += sum_j w[g][j] * V row j, 64 accumulator floats per query
// at a time in registers; each query's sum runs in j order as for one query alone, the NQ x 4
// chains interleaved (one query's 4 were bound by FMA latency).
template <int NQ, class Rows>
static inline void accumulate_chunk(float* acc, const float (*w)[kAttendChunk], const Rows& v, int64_t cnt, int64_t hd, Ahead ahead = {}) {
  for (int64_t i0 = 0; i0 < hd; i0 += 64) {
    __mmask16 m[4];
    __m512 r[NQ][4];
    for (int k = 0; k < 4; k++) {
      const int64_t i = i0 + 16 * k;
      m[k] = i < hd ? tail_mask(hd - i) : (__mmask16)0;
      for (int g = 0; g < NQ; g++) r[g][k] = _mm512_maskz_loadu_ps(m[k], acc + g * hd + i);
    }
    for (int64_t j = 0; j < cnt; j++) {
      if (i0 == 0 && ahead.p) prefetch_lines(ahead.p + j * ahead.stride, ahead.bytes);
      __m512 vj[4];
      const typename Rows::At row = v.at(j);
      for (int k = 0; k < 4; k++) vj[k] = row.load(i0 + 16 * k, m[k]);
      for (int g = 0; g < NQ; g++) {
        const __m512 wj = _mm512_set1_ps(w[g][j]);
        for (int k = 0; k < 4; k++) r[g][k] = _mm512_fmadd_ps(wj, vj[k], r[g][k]);
      }
    }
    for (int g = 0; g < NQ; g++)
      for (int k = 0; k < 4; k++) _mm512_mask_storeu_ps(acc + g * hd + i0 + 16 * k, m[k], r[g][k]);
  }
}

// Calls f(std::integral_constant<int, NQ>(), g) for groups [g, g + NQ) covering queries [0, nq):
// NQ = Max, then smaller groups for the rest (a group's sums stay in registers).
template <int Max, typename F>
static inline void query_groups(int64_t nq, F f) {
  int64_t g = 0;
  for (; g + Max <= nq; g += Max) f(std::integral_constant<int, Max>(), g);
  if constexpr (Max > 1)
    if (g < nq) query_groups<Max - 1>(nq - g, [&](auto NQ, int64_t h) { f(NQ, g + h); });
}

// Online softmax in chunks of kAttendChunk positions: scores of a chunk, one rescale of the
// running sums per chunk and query, then the weighted V rows. Query g = b * nq + h (token b, head
// h); the K and V rows of a chunk are decoded once for all tokens, and each token's queries see
// only its own positions (attend_count), in the same order as alone.
template <class Row>
static void attend(const AttendArgs& a) {
  constexpr auto Decode = decode_row<Row>;
  alignas(64) float acc[kAttendAccFloats];
  // one decoded V row (large heads), or 16 decoded K rows to transpose (small heads)
  alignas(64) float kv[kMaxHeadDim > 16 * kTransposedMaxHeadDim ? kMaxHeadDim : 16 * kTransposedMaxHeadDim];
  alignas(64) float vchunk[kVChunkFloats];  // a chunk's decoded V rows when hd <= 128
  alignas(64) float s[kAttendMaxQ][kAttendChunk];
  float m[kAttendMaxQ], l[kAttendMaxQ];
  const int64_t hd = a.hd, nq = a.nq, tokens = a.tokens, total = tokens * nq;
  const bool small = hd * kAttendChunk <= kVChunkFloats;
  // Scores through a transposed K chunk where enough queries share it (same bits as dot4's path):
  // 1024-token prefill attention ~20 % faster; a decode token's 4 queries would not pay for it.
  const bool transposed = small && total >= kTransposedMinQueries;
  // Below kTransposedMinQueries the V rows are read straight from the cache, too: with up to 3
  // query groups that was faster than staging a chunk (4096 positions, 1 thread: 1 token ~15 %,
  // 3 tokens ~5 %).
  const bool direct_v = small && !transposed;
  for_segments(a, acc, m, l, total, [&](int64_t seg_begin, int64_t seg_end) {
    for (int64_t p0 = seg_begin; p0 < seg_end; p0 += kAttendChunk) {
      const int64_t cmax = attend_count(a, tokens - 1, p0, kAttendChunk);
      if (transposed) {
        // the op's transposed prefix, or vchunk holding this chunk's transposed K rows until the
        // scores are done (then the V rows)
        const float* kt = a.kt ? a.kt + p0 * hd : vchunk;
        if (!a.kt) transpose_k<Decode>(a.k + p0 * a.k_stride, a.k_stride, cmax, hd, kv, vchunk);
        for (int64_t b = 0; b < tokens; b++) {
          const int64_t cnt = attend_count(a, b, p0, kAttendChunk);
          const float* q = a.q + b * a.q_stride;
          if (cnt > 0)
            query_groups<4>(nq, [&](auto NQ, int64_t h) { scores_t<NQ>(q + h * hd, hd, kt, cnt, a.scale, s + b * nq + h); });
        }
      } else {
        const CacheRows<Row> k{a.k + p0 * a.k_stride, a.k_stride};
        for (int64_t j = 0; j < cmax; j += 4) {
          const int rows = cmax - j < 4 ? (int)(cmax - j) : 4;
          prefetch_while_scoring(a, p0 + j, rows, direct_v);
          for (int64_t b = 0; b < tokens; b++) {
            const int64_t cnt = attend_count(a, b, p0, kAttendChunk);
            if (cnt <= j) continue;
            const int rb = cnt - j < 4 ? (int)(cnt - j) : 4;
            const float* q = a.q + b * a.q_stride;
            query_groups<4>(nq, [&](auto NQ, int64_t h) { dot4<NQ>(q + h * hd, k, hd, rb, a.scale, s + b * nq + h, j); });
          }
        }
      }
      for (int64_t g = 0; g < total; g++) {
        const int64_t cnt = attend_count(a, g / nq, p0, kAttendChunk);
        if (cnt <= 0) continue;
        // the chunk's largest score, NaNs skipped (vmaxps returns its second operand, the running max)
        __m512 vm = _mm512_set1_ps(-INFINITY);
        for (int64_t j = 0; j < cnt; j += 16)
          vm = _mm512_max_ps(_mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), tail_mask(cnt - j), s[g] + j), vm);
        const float cm = _mm512_reduce_max_ps(vm);
        if (cm > m[g]) {
          const float c = m[g] == -INFINITY ? 0.0f : expf(m[g] - cm);
          l[g] *= c;
          const __m512 cv = _mm512_set1_ps(c);
          for (int64_t i = 0; i < hd; i += 16) {
            const __mmask16 k = tail_mask(hd - i);
            _mm512_mask_storeu_ps(acc + g * hd + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, acc + g * hd + i), cv));
          }
          m[g] = cm;
        }
        const __m512 mb = _mm512_set1_ps(m[g]);
        __m512 sum = _mm512_setzero_ps();  // the chunk's weights, summed across once
        for (int64_t j = 0; j < cnt; j += 16) {
          const __mmask16 k = tail_mask(cnt - j);
          __m512 e = _mm512_maskz_mov_ps(k, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, s[g] + j), mb)));
          if (m[g] == -INFINITY) e = _mm512_setzero_ps();  // every score so far is -inf
          _mm512_mask_storeu_ps(s[g] + j, k, e);
          sum = _mm512_add_ps(sum, e);
        }
        l[g] += _mm512_reduce_add_ps(sum);
      }
      if (small) {
        // small heads: keep 64-float slices of each query's accumulator in registers across the
        // whole chunk, reading the V rows from the cache (fetching the next chunk's K rows
        // meanwhile) or from the chunk decoded once
        const Ahead next_k = direct_v ? Ahead{a.k + (p0 + kAttendChunk) * a.k_stride, a.k_stride, a.row_bytes} : Ahead{};
        const auto accumulate = [&](const auto& v) {
          for (int64_t b = 0; b < tokens; b++) {
            const int64_t cnt = attend_count(a, b, p0, kAttendChunk), g0 = b * nq;
            if (cnt > 0)
              query_groups<4>(nq, [&](auto NQ, int64_t h) {
                accumulate_chunk<NQ>(acc + (g0 + h) * hd, s + g0 + h, v, cnt, hd, b == 0 && h == 0 ? next_k : Ahead{});
              });
          }
        };
        if (direct_v) {
          accumulate(CacheRows<Row>{a.v + p0 * a.v_stride, a.v_stride});
        } else {
          for (int64_t j = 0; j < cmax; j++) decode_row_ahead<Decode>(a.v, a.v_stride, a.row_bytes, p0 + j, vchunk + j * hd, hd);
          accumulate(FloatRows{vchunk, hd});
        }
      } else {
        for (int64_t j = 0; j < cmax; j++) {
          decode_row_ahead<Decode>(a.v, a.v_stride, a.row_bytes, p0 + j, kv, hd);
          for (int64_t g = 0; g < total; g++)
            if (j < attend_count(a, g / nq, p0, kAttendChunk)) axpy(acc + g * hd, s[g][j], kv, hd);
        }
      }
    }
  });
}

static void attend_f16(const AttendArgs& a) { attend<RowF16>(a); }
static void attend_q8_0(const AttendArgs& a) { attend<RowQ8_0>(a); }
static void attend_f32(const AttendArgs& a) { attend<RowF32>(a); }

// One chunk's K rows for the op's transposed prefix (OpsKernels::transpose_k_*).
// (Floats for every cache type: an F16 prefix kept as halves, widened per call, was ~2-3 % slower
// at 1024 tokens on the Xeon than reading twice the bytes.)
template <class Row>
static void transpose_k_rows(const uint8_t* k, size_t stride, int64_t rows, int64_t hd, float* kt) {
  alignas(64) float stage[16 * kTransposedMaxHeadDim];
  transpose_k<decode_row<Row>>(k, stride, rows, hd, stage, kt);
}

const OpsKernels kTable = {rms_norm,   add,        mul,        scale,   silu,       gelu,
                           relu2,      silu_mul,   relu2_mul,  softmax, attend_f16, attend_q8_0,
                           attend_f32, encode_f16, rope_rotate, 64,     transpose_k_rows<RowF16>,
                           transpose_k_rows<RowQ8_0>, transpose_k_rows<RowF32>, attend_merge};

}  // namespace

const OpsKernels& ops_kernels() { return kTable; }

}  // namespace avx512
}  // namespace ryzen
