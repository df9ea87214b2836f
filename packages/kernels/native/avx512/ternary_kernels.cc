// AVX-512 (BW + VNNI) ternary kernels over the T3 layout; results match scalar/ternary_kernels.cc
// bit for bit (same integer block sums, same float operations per row).
//
// LUT: per step, the 64 index bytes are 16 rows x 4 lanes; vpshufb looks up each lane's group
// table (low and high bytes of the int16 sums), vpunpck{l,h}bw forms int16 values whose order
// matches the stored sign masks, a masked subtract applies the mirror sign.
// MAD: a 16-row tile is decoded once into codes (w+1) interleaved as [k/4][row][4], then
// vpdpbusd multiplies them by each token's int8 activations broadcast 4 at a time, so every
// accumulator lane is one output row (no horizontal sums).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside intrinsics
#include <alloca.h>
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "ternary/kernels.h"
#include "ternary/t3.h"

namespace ryzen {
namespace avx512 {
namespace {

static inline __m512i rows16_from(__m512i a32, __m512i b32) {
  // a32: [rows0-7 partial, rows0-7 partial], b32 likewise for rows 8-15 -> 16 row sums.
  const __m256i a = _mm256_add_epi32(_mm512_castsi512_si256(a32), _mm512_extracti64x4_epi64(a32, 1));
  const __m256i b = _mm256_add_epi32(_mm512_castsi512_si256(b32), _mm512_extracti64x4_epi64(b32, 1));
  return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}

static inline __m512i widen_add(__m512i acc32, __m512i acc16) {
  const __m512i lo = _mm512_cvtepi16_epi32(_mm512_castsi512_si256(acc16));
  const __m512i hi = _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(acc16, 1));
  return _mm512_add_epi32(acc32, _mm512_add_epi32(lo, hi));
}

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

template <int T>
static void lut_tile(const t3::Args& a, int64_t tile, int64_t t0) {
  const int64_t segs = t3::segments(a.K), rec = t3::lut_record_bytes(a.K);
  const uint8_t* codes = a.codes + tile * t3::tile_bytes(a.K);
  const __m512i nib = _mm512_set1_epi8(0x0f);
  const uint8_t* tabs[T];
  Out o[T];
  for (int t = 0; t < T; ++t) {
    tabs[t] = a.acts + (t0 + t) * rec + 64;
    o[t].isum = _mm512_setzero_si512();
    o[t].facc = _mm512_setzero_ps();
  }
  for (int64_t s = 0; s < segs; ++s) {
    __m512i accA[T], accB[T];
    for (int t = 0; t < T; ++t) accA[t] = accB[t] = _mm512_setzero_si512();
    const uint8_t* seg = codes + s * t3::kSegBytes;
    _mm_prefetch((const char*)(seg + 4 * t3::kSegBytes), _MM_HINT_T0);
    _mm_prefetch((const char*)(seg + 4 * t3::kSegBytes + 448), _MM_HINT_T0);
    for (int st = 0; st < t3::kStepsPerSeg; ++st) {
      const uint8_t* step = seg + st * t3::kStepBytes;
      const __m512i idx = _mm512_loadu_si512(step);
      const __m512i il = _mm512_and_si512(idx, nib);
      const __m512i ih = _mm512_and_si512(_mm512_srli_epi16(idx, 4), nib);
      uint32_t sg[4];
      std::memcpy(sg, step + 64, 16);
      const __mmask32 k0 = _cvtu32_mask32(sg[0]), k1 = _cvtu32_mask32(sg[1]);
      const __mmask32 k2 = _cvtu32_mask32(sg[2]), k3 = _cvtu32_mask32(sg[3]);
      const int64_t toff = (s * t3::kStepsPerSeg + st) * t3::kLutStepBytes;
      for (int t = 0; t < T; ++t) {
        const uint8_t* tb = tabs[t] + toff;
        const __m512i llo = _mm512_shuffle_epi8(_mm512_loadu_si512(tb), il);
        const __m512i lhi = _mm512_shuffle_epi8(_mm512_loadu_si512(tb + 64), il);
        const __m512i hlo = _mm512_shuffle_epi8(_mm512_loadu_si512(tb + 128), ih);
        const __m512i hhi = _mm512_shuffle_epi8(_mm512_loadu_si512(tb + 192), ih);
        __m512i A = accA[t], B = accB[t];
        const __m512i a0 = _mm512_unpacklo_epi8(llo, lhi), b0 = _mm512_unpackhi_epi8(llo, lhi);
        const __m512i a1 = _mm512_unpacklo_epi8(hlo, hhi), b1 = _mm512_unpackhi_epi8(hlo, hhi);
        A = _mm512_mask_sub_epi16(_mm512_add_epi16(A, a0), k0, A, a0);
        B = _mm512_mask_sub_epi16(_mm512_add_epi16(B, b0), k1, B, b0);
        A = _mm512_mask_sub_epi16(_mm512_add_epi16(A, a1), k2, A, a1);
        B = _mm512_mask_sub_epi16(_mm512_add_epi16(B, b1), k3, B, b1);
        accA[t] = A;
        accB[t] = B;
      }
    }
    // |int16 partial| <= 11 steps x 2 x 381 = 8382: widen once per 256-weight block.
    for (int t = 0; t < T; ++t) {
      const __m512i z = _mm512_setzero_si512();
      block_done(a, tile, s, rows16_from(widen_add(z, accA[t]), widen_add(z, accB[t])), o[t]);
    }
  }
  for (int t = 0; t < T; ++t)
    store_rows(a, tile, t0 + t, finish(a, o[t], reinterpret_cast<const t3::ActHeader*>(tabs[t] - 64)->inv_scale));
}

template <int T>
static void mad_tile(const t3::Args& a, int64_t tile, int64_t t0, const uint8_t* panel) {
  const int64_t segs = t3::segments(a.K), rec = t3::mad_record_bytes(a.K), sums = t3::mad_sums_bytes(a.K);
  const int8_t* q[T];
  const int32_t* asum[T];
  Out o[T];
  for (int t = 0; t < T; ++t) {
    const uint8_t* r = a.acts + (t0 + t) * rec;
    asum[t] = reinterpret_cast<const int32_t*>(r + 64);
    q[t] = reinterpret_cast<const int8_t*>(r + 64 + sums);
    o[t].isum = _mm512_setzero_si512();
    o[t].facc = _mm512_setzero_ps();
  }
  for (int64_t s = 0; s < segs; ++s) {
    __m512i acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_si512();
    const uint8_t* w = panel + s * 256 * 16;
    for (int k4 = 0; k4 < 64; ++k4) {
      const __m512i wv = _mm512_load_si512(w + k4 * 64);
      for (int t = 0; t < T; ++t) {
        int32_t a4;
        std::memcpy(&a4, q[t] + s * 256 + k4 * 4, 4);
        acc[t] = _mm512_dpbusd_epi32(acc[t], wv, _mm512_set1_epi32(a4));
      }
    }
    for (int t = 0; t < T; ++t) block_done(a, tile, s, _mm512_sub_epi32(acc[t], _mm512_set1_epi32(asum[t][s])), o[t]);
  }
  for (int t = 0; t < T; ++t) {
    const float inv = reinterpret_cast<const t3::ActHeader*>(a.acts + (t0 + t) * rec)->inv_scale;
    store_rows(a, tile, t0 + t, finish(a, o[t], inv));
  }
}

// Decode a 16-row tile into codes interleaved as [k/4][row][4] (64 bytes per 4 columns).
static void decode_tile(const t3::Args& a, int64_t tile, uint8_t* rowmajor, uint8_t* panel) {
  const int64_t Kp = t3::segments(a.K) * 256;
  const uint8_t* codes = a.codes + tile * t3::tile_bytes(a.K);
  for (int i = 0; i < 16; ++i) t3::decode_row(codes, a.K, i, rowmajor + i * Kp);
  // 16 rows x 64 bytes -> transpose 4-byte units with 32-bit gathers from the row-major copy.
  const __m512i rowoff = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32((int)Kp));
  for (int64_t k4 = 0; k4 < Kp / 4; ++k4) {
    const __m512i v = _mm512_i32gather_epi32(_mm512_add_epi32(rowoff, _mm512_set1_epi32((int)(k4 * 4))), rowmajor, 1);
    _mm512_store_si512(panel + k4 * 64, v);
  }
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
  for (int64_t tile = a.r0 / 16; tile * 16 < a.r1; ++tile) {
    token_blocks(a.n, [&](int T, int64_t t0) {
      switch (T) {
        case 4: lut_tile<4>(a, tile, t0); break;
        case 3: lut_tile<3>(a, tile, t0); break;
        case 2: lut_tile<2>(a, tile, t0); break;
        default: lut_tile<1>(a, tile, t0); break;
      }
    });
  }
}

void ternary_mad_compute(const t3::Args& a) {
  const int64_t Kp = t3::segments(a.K) * 256;
  uint8_t* rowmajor = static_cast<uint8_t*>(alloca(16 * Kp + 64));
  uint8_t* panel_raw = static_cast<uint8_t*>(alloca(16 * Kp + 64));
  uint8_t* panel = reinterpret_cast<uint8_t*>(((uintptr_t)panel_raw + 63) & ~(uintptr_t)63);
  for (int64_t tile = a.r0 / 16; tile * 16 < a.r1; ++tile) {
    decode_tile(a, tile, rowmajor, panel);
    int64_t t = 0;
    for (; t + 8 <= a.n; t += 8) mad_tile<8>(a, tile, t, panel);
    switch (a.n - t) {
      case 7: mad_tile<7>(a, tile, t, panel); break;
      case 6: mad_tile<6>(a, tile, t, panel); break;
      case 5: mad_tile<5>(a, tile, t, panel); break;
      case 4: mad_tile<4>(a, tile, t, panel); break;
      case 3: mad_tile<3>(a, tile, t, panel); break;
      case 2: mad_tile<2>(a, tile, t, panel); break;
      case 1: mad_tile<1>(a, tile, t, panel); break;
      default: break;
    }
  }
}

}  // namespace avx512
}  // namespace ryzen
