// AVX2+FMA (+F16C) row kernels of the non-matmul ops: 8 lanes per step, scalar tails. exp is a
// Cephes-style polynomial (about 2 ulp), exact 0 below -87.3 so masked (-inf) scores vanish.
// ISA rule: only intrinsics, static helpers and the extern table below.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <math.h>
#include <type_traits>
#include <stdint.h>
#include "core/prefetch.h"
#include "scalar/ops_kernels.h"

namespace ryzen {
namespace avx2 {
namespace {

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline __m256 exp8(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-87.3365447505531f);
  const __m256 keep = _mm256_cmp_ps(x, lo, _CMP_GE_OQ);
  x = _mm256_max_ps(_mm256_min_ps(x, hi), lo);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i h1 = _mm256_srai_epi32(ni, 1), h2 = _mm256_sub_epi32(ni, h1);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h1, _mm256_set1_epi32(127)), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h2, _mm256_set1_epi32(127)), 23));
  return _mm256_and_ps(keep, _mm256_mul_ps(_mm256_mul_ps(p, s1), s2));
}

static inline __m256 silu8(__m256 x) {
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}
static inline __m256 gelu8(__m256 x) {
  const __m256 u = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f), x),
                                 _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), _mm256_mul_ps(x, x), _mm256_set1_ps(1.0f)));
  const __m256 e = exp8(_mm256_add_ps(u, u));
  const __m256 th = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), th));
}
static inline __m256 relu2_8(__m256 x) {
  const __m256 r = _mm256_max_ps(x, _mm256_setzero_ps());
  return _mm256_mul_ps(r, r);
}
static inline float silu1(float x) { return x / (1.0f + expf(-x)); }
static inline float gelu1(float x) {
  const float u = 0.7978845608028654f * x * (1.0f + 0.044715f * x * x);
  return 0.5f * x * (1.0f + tanhf(u));
}
static inline float relu2_1(float x) { return x > 0.0f ? x * x : 0.0f; }

// Sum of squares in double (like the scalar kernel), so the scale - and with it the output -
// does not depend on the ISA path: tiny differences here would otherwise flip roundings
// downstream (e.g. of f16 KV-cache entries).
static void rms_norm(float* out, const float* x, const float* w, int64_t n, float eps) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(x + i);
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(a)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    s0 = _mm256_fmadd_pd(lo, lo, s0);
    s1 = _mm256_fmadd_pd(hi, hi, s1);
  }
  const __m256d s = _mm256_add_pd(s0, s1);
  __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  double ss = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  for (; i < n; i++) ss += (double)x[i] * x[i];
  const float r = (float)(1.0 / sqrt(ss / (double)n + (double)eps));
  const __m256 rv = _mm256_set1_ps(r);
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), rv);
    if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
    _mm256_storeu_ps(out + i, v);
  }
  for (; i < n; i++) out[i] = x[i] * r * (w ? w[i] : 1.0f);
}

#define RYZEN_BINARY(name, vexpr, sexpr)                                                      \
  static void name(float* out, const float* a, const float* b, int64_t n) {                   \
    int64_t i = 0;                                                                            \
    for (; i + 8 <= n; i += 8) {                                                              \
      const __m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);                   \
      _mm256_storeu_ps(out + i, vexpr);                                                       \
    }                                                                                         \
    for (; i < n; i++) {                                                                      \
      const float x = a[i], y = b[i];                                                         \
      out[i] = sexpr;                                                                         \
    }                                                                                         \
  }
#define RYZEN_UNARY(name, vexpr, sexpr)                                                       \
  static void name(float* out, const float* a, int64_t n) {                                   \
    int64_t i = 0;                                                                            \
    for (; i + 8 <= n; i += 8) {                                                              \
      const __m256 x = _mm256_loadu_ps(a + i);                                                \
      _mm256_storeu_ps(out + i, vexpr);                                                       \
    }                                                                                         \
    for (; i < n; i++) {                                                                      \
      const float x = a[i];                                                                   \
      out[i] = sexpr;                                                                         \
    }                                                                                         \
  }

RYZEN_BINARY(add, _mm256_add_ps(x, y), x + y)
RYZEN_BINARY(mul, _mm256_mul_ps(x, y), x * y)
RYZEN_BINARY(silu_mul, _mm256_mul_ps(silu8(x), y), silu1(x) * y)
RYZEN_BINARY(relu2_mul, _mm256_mul_ps(relu2_8(x), y), relu2_1(x) * y)
RYZEN_UNARY(silu, silu8(x), silu1(x))
RYZEN_UNARY(gelu, gelu8(x), gelu1(x))
RYZEN_UNARY(relu2, relu2_8(x), relu2_1(x))

static void scale(float* out, const float* a, float s, int64_t n) {
  const __m256 sv = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(a + i), sv));
  for (; i < n; i++) out[i] = a[i] * s;
}

static void softmax(float* out, const float* x, int64_t n) {
  __m256 mv = _mm256_set1_ps(-INFINITY);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
  float m = hmax(mv);
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  if (m == -INFINITY) {
    for (i = 0; i < n; i++) out[i] = 0.0f;
    return;
  }
  const __m256 mb = _mm256_set1_ps(m);
  __m256 sv = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mb));
    sv = _mm256_add_ps(sv, e);
    _mm256_storeu_ps(out + i, e);
  }
  float sum = hsum(sv);
  for (; i < n; i++) sum += (out[i] = expf(x[i] - m));
  const float inv = 1.0f / sum;
  scale(out, out, inv, n);
}

// ---- attention ----
// K/V rows are decoded to f32 once per position and shared by the nq query heads of the group.
// F16C conversion rounds to nearest even like the scalar f32_to_fp16 (NaN payloads aside).
static void encode_f16(const float* src, uint8_t* dst, int64_t n) {
  uint16_t* h = (uint16_t*)dst;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i*)(h + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; i++) h[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

// RoPE on 8 floats at a time (FMA: may differ from the scalar path in the last bit).
static void rope_rotate(const float* cs, const float* x, float* out, int64_t nh, int64_t hd, int64_t n_rot, int mode) {
  const int64_t half = n_rot / 2;
  const float* cosv = cs;
  const float* sinv = cs + half;
  for (int64_t h = 0; h < nh; h++, x += hd, out += hd) {
    int64_t i = 0;
    if (mode == 0) {
      // 4 pairs (e, o) per step: out = x*(c c) -/+ swap(x)*(s s), even lanes subtract
      for (; i + 4 <= half; i += 4) {
        const __m128 c4 = _mm_loadu_ps(cosv + i), s4 = _mm_loadu_ps(sinv + i);
        const __m256 cc = _mm256_set_m128(_mm_unpackhi_ps(c4, c4), _mm_unpacklo_ps(c4, c4));
        const __m256 ss = _mm256_set_m128(_mm_unpackhi_ps(s4, s4), _mm_unpacklo_ps(s4, s4));
        const __m256 v = _mm256_loadu_ps(x + 2 * i);
        const __m256 sw = _mm256_permute_ps(v, 0xB1);
        _mm256_storeu_ps(out + 2 * i, _mm256_fmaddsub_ps(v, cc, _mm256_mul_ps(sw, ss)));
      }
      for (; i < half; i++) {
        const float c = cosv[i], s = sinv[i], x0 = x[2 * i], x1 = x[2 * i + 1];
        out[2 * i] = x0 * c - x1 * s;
        out[2 * i + 1] = x0 * s + x1 * c;
      }
    } else {
      for (; i + 8 <= half; i += 8) {
        const __m256 c = _mm256_loadu_ps(cosv + i), s = _mm256_loadu_ps(sinv + i);
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + half + i);
        _mm256_storeu_ps(out + i, _mm256_fmsub_ps(x0, c, _mm256_mul_ps(x1, s)));
        _mm256_storeu_ps(out + half + i, _mm256_fmadd_ps(x0, s, _mm256_mul_ps(x1, c)));
      }
      for (; i < half; i++) {
        const float c = cosv[i], s = sinv[i], x0 = x[i], x1 = x[half + i];
        out[i] = x0 * c - x1 * s;
        out[half + i] = x0 * s + x1 * c;
      }
    }
  }
}

// One K or V row straight from the cache: load(row, i) gives floats [i, i + 8), at(row, i) float i
// (Q8_0: hd is a multiple of 32). Exactly the floats the row stores.
struct RowF32 {
  static inline __attribute__((always_inline)) __m256 load(const uint8_t* row, int64_t i) { return _mm256_loadu_ps((const float*)row + i); }
  static inline float at(const uint8_t* row, int64_t i) { return ((const float*)row)[i]; }
};
struct RowF16 {
  static inline __attribute__((always_inline)) __m256 load(const uint8_t* row, int64_t i) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)((const uint16_t*)row + i)));
  }
  static inline float at(const uint8_t* row, int64_t i) { return _cvtsh_ss(((const uint16_t*)row)[i]); }
};
struct RowQ8_0 {
  static inline __attribute__((always_inline)) __m256 load(const uint8_t* row, int64_t i) {
    const uint8_t* b = row + i / 32 * 34;
    const __m256 d = _mm256_set1_ps(_cvtsh_ss((uint16_t)(b[0] | (b[1] << 8))));
    return _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(b + 2 + i % 32)))));
  }
  static inline float at(const uint8_t* row, int64_t i) {
    const uint8_t* b = row + i / 32 * 34;
    return _cvtsh_ss((uint16_t)(b[0] | (b[1] << 8))) * (float)(int8_t)b[2 + i % 32];
  }
};

// Rows `stride` bytes apart in the cache, read as dot4 and accumulate_chunk need them: at(r) is
// row r, with load(i) and scalar at(i) as above. (Read straight from the cache rather than decoded
// into a staging chunk first, even though each pair of queries converts the vectors again: 20/5
// heads, hd 128, f16, 1 thread: one decode token over 512 positions 131 -> 90 us, 8 tokens over
// 4096 ~5 % faster, 512 causal tokens ~5 %.)
template <class Row>
struct CacheRows {
  struct At {
    const uint8_t* p;
    inline __attribute__((always_inline)) __m256 load(int64_t i) const { return Row::load(p, i); }
    float at(int64_t i) const { return Row::at(p, i); }
  };
  const uint8_t* p;
  size_t stride;
  At at(int64_t r) const { return {p + r * stride}; }
};

// A whole row decoded into floats.
template <class Row>
static void decode_row(const uint8_t* row, float* out, int64_t hd) {
  int64_t i = 0;
  for (; i + 8 <= hd; i += 8) _mm256_storeu_ps(out + i, Row::load(row, i));
  for (; i < hd; i++) out[i] = Row::at(row, i);
}

static inline void axpy(float* acc, float w, const float* x, int64_t n) {
  const __m256 wv = _mm256_set1_ps(w);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + i), _mm256_loadu_ps(acc + i)));
  for (; i < n; i++) acc[i] += w * x[i];
}

#include "scalar/attend_rows.inc"
#include "scalar/attend_segments.inc"

// q . k for NQ queries (hd floats apart) and K rows j..j+3 of `k` (rows past `rows` repeat the last
// one and are not stored), scaled, into out[g][j..j+rows). Each (query, row) sum runs as for one
// query alone; a group's queries share each K vector.
template <int NQ, class Rows>
static inline void dot4(const float* q, const Rows& k, int64_t hd, int rows, float scale, float (*out)[kAttendChunk], int64_t j) {
  typename Rows::At row[4];
  for (int r = 0; r < 4; r++) row[r] = k.at(j + (r < rows ? r : rows - 1));
  __m256 a[NQ][4];
  for (int g = 0; g < NQ; g++)
    for (int r = 0; r < 4; r++) a[g][r] = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= hd; i += 8) {
    __m256 kr[4];
    for (int r = 0; r < 4; r++) kr[r] = row[r].load(i);
    for (int g = 0; g < NQ; g++) {
      const __m256 qv = _mm256_loadu_ps(q + g * hd + i);
      for (int r = 0; r < 4; r++) a[g][r] = _mm256_fmadd_ps(qv, kr[r], a[g][r]);
    }
  }
  for (int g = 0; g < NQ; g++) {
    // one reduction tree for the four sums: lanes 0..3 = a, b, c, d
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a[g][0], a[g][1]), _mm256_hadd_ps(a[g][2], a[g][3]));
    alignas(16) float sums[4];
    _mm_store_ps(sums, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
    for (int r = 0; r < rows; r++) {
      float t = sums[r];
      for (int64_t x = i; x < hd; x++) t += q[g * hd + x] * row[r].at(x);
      out[g][j + r] = t * scale;
    }
  }
}

// For NQ queries g: acc[g*hd ..][0..hd) += sum_j w[g][j] * V row j, 32 accumulator floats per query
// at a time in registers; each query's sum runs in j order as for one query alone.
template <int NQ, class Rows>
static inline void accumulate_chunk(float* acc, const float (*w)[kAttendChunk], const Rows& v, int64_t cnt, int64_t hd, Ahead ahead = {}) {
  int64_t i0 = 0;
  for (; i0 + 32 <= hd; i0 += 32) {
    __m256 r[NQ][4];
    for (int g = 0; g < NQ; g++)
      for (int k = 0; k < 4; k++) r[g][k] = _mm256_loadu_ps(acc + g * hd + i0 + 8 * k);
    for (int64_t j = 0; j < cnt; j++) {
      if (i0 == 0 && ahead.p) prefetch_lines(ahead.p + j * ahead.stride, ahead.bytes);
      const typename Rows::At row = v.at(j);
      __m256 vj[4];
      for (int k = 0; k < 4; k++) vj[k] = row.load(i0 + 8 * k);
      for (int g = 0; g < NQ; g++) {
        const __m256 wj = _mm256_set1_ps(w[g][j]);
        for (int k = 0; k < 4; k++) r[g][k] = _mm256_fmadd_ps(wj, vj[k], r[g][k]);
      }
    }
    for (int g = 0; g < NQ; g++)
      for (int k = 0; k < 4; k++) _mm256_storeu_ps(acc + g * hd + i0 + 8 * k, r[g][k]);
  }
  for (int64_t j = 0; j < cnt && i0 < hd; j++) {
    const typename Rows::At row = v.at(j);
    for (int g = 0; g < NQ; g++) {
      float* o = acc + g * hd;
      const __m256 wv = _mm256_set1_ps(w[g][j]);
      int64_t i = i0;
      for (; i + 8 <= hd; i += 8) _mm256_storeu_ps(o + i, _mm256_fmadd_ps(wv, row.load(i), _mm256_loadu_ps(o + i)));
      for (; i < hd; i++) o[i] += w[g][j] * row.at(i);
    }
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

// Largest head whose accumulate_chunk pass over a chunk's V rows beats one axpy per row.
constexpr int64_t kChunkedVMaxHeadDim = 128;

// Online softmax in chunks of kAttendChunk positions: scores of a chunk (four K rows per
// reduction, two queries per pass over them), one rescale of the running sums per chunk and
// query, then the weighted V rows. Query g = b * nq + h (token b, head h); each token's queries
// see only its own positions of a chunk (attend_count), so every query runs as it would alone.
template <class Row>
static void attend(const AttendArgs& a) {
  constexpr auto Decode = decode_row<Row>;
  alignas(32) float acc[kAttendAccFloats];
  alignas(32) float kv[kMaxHeadDim];  // one decoded V row (large heads)
  alignas(32) float s[kAttendMaxQ][kAttendChunk];
  float m[kAttendMaxQ], l[kAttendMaxQ];
  const int64_t hd = a.hd, nq = a.nq, tokens = a.tokens, total = tokens * nq;
  const bool small = hd <= kChunkedVMaxHeadDim;
  for_segments(a, acc, m, l, total, [&](int64_t seg_begin, int64_t seg_end) {
    for (int64_t p0 = seg_begin; p0 < seg_end; p0 += kAttendChunk) {
      const int64_t cmax = attend_count(a, tokens - 1, p0, kAttendChunk);
      const CacheRows<Row> k{a.k + p0 * a.k_stride, a.k_stride};
      for (int64_t j = 0; j < cmax; j += 4) {
        const int rows = cmax - j < 4 ? (int)(cmax - j) : 4;
        prefetch_while_scoring(a, p0 + j, rows, small);
        for (int64_t b = 0; b < tokens; b++) {
          const int64_t cnt = attend_count(a, b, p0, kAttendChunk);
          if (cnt <= j) continue;
          const int rb = cnt - j < rows ? (int)(cnt - j) : rows;
          const float* q = a.q + b * a.q_stride;
          query_groups<2>(nq, [&](auto NQ, int64_t h) { dot4<NQ>(q + h * hd, k, hd, rb, a.scale, s + b * nq + h, j); });
        }
      }
      for (int64_t g = 0; g < total; g++) {
        const int64_t cnt = attend_count(a, g / nq, p0, kAttendChunk);
        if (cnt <= 0) continue;
        float cm = -INFINITY;
        for (int64_t j = 0; j < cnt; j++) cm = s[g][j] > cm ? s[g][j] : cm;
        if (cm > m[g]) {
          const float c = m[g] == -INFINITY ? 0.0f : expf(m[g] - cm);
          l[g] *= c;
          scale(acc + g * hd, acc + g * hd, c, hd);
          m[g] = cm;
        }
        if (m[g] == -INFINITY) {  // every score so far is -inf
          for (int64_t j = 0; j < cnt; j++) s[g][j] = 0.0f;
          continue;
        }
        const __m256 mb = _mm256_set1_ps(m[g]);
        __m256 lv = _mm256_setzero_ps();
        int64_t j = 0;
        for (; j + 8 <= cnt; j += 8) {
          const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(s[g] + j), mb));
          _mm256_storeu_ps(s[g] + j, e);
          lv = _mm256_add_ps(lv, e);
        }
        l[g] += hsum(lv);
        for (; j < cnt; j++) l[g] += (s[g][j] = expf(s[g][j] - m[g]));
      }
      if (small) {
        const CacheRows<Row> v{a.v + p0 * a.v_stride, a.v_stride};
        // the next chunk's K rows are fetched while this chunk's V rows are read
        const Ahead next_k{a.k + (p0 + kAttendChunk) * a.k_stride, a.k_stride, a.row_bytes};
        for (int64_t b = 0; b < tokens; b++) {
          const int64_t cnt = attend_count(a, b, p0, kAttendChunk), g0 = b * nq;
          if (cnt > 0)
            query_groups<2>(nq, [&](auto NQ, int64_t h) {
              accumulate_chunk<NQ>(acc + (g0 + h) * hd, s + g0 + h, v, cnt, hd, b == 0 && h == 0 ? next_k : Ahead{});
            });
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

const OpsKernels kTable = {rms_norm, add,       mul,       scale,   silu,       gelu,
                           relu2,    silu_mul,  relu2_mul, softmax, attend_f16, attend_q8_0,
                           attend_f32, encode_f16, rope_rotate, 32,
                           nullptr,  nullptr,   nullptr,  // no transposed-K path
                           attend_merge};

}  // namespace

const OpsKernels& ops_kernels() { return kTable; }

}  // namespace avx2
}  // namespace ryzen
