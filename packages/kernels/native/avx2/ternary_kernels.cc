// AVX2 ternary kernels over the T3 layout; results match scalar/ternary_kernels.cc bit for bit.
// LUT: as the AVX-512 kernel, one 32-byte half of a step (2 lanes x 16 rows) at a time; the sign
// bits are expanded to word masks once per step and applied as (v ^ m) - m.
// MAD: codes interleaved [k/4][row][4]; vpmaddubsw (u8 codes x s8 activations, pair sums <= 508)
// accumulates in int16 for one 256-weight block (64 x 508 = 32512 < 32767), then widens.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside intrinsics
#include <alloca.h>
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "ternary/kernels.h"
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

template <int T>
static void lut_tile(const t3::Args& a, int64_t tile, int64_t t0) {
  const int64_t segs = t3::segments(a.K), rec = t3::lut_record_bytes(a.K);
  const uint8_t* codes = a.codes + tile * t3::tile_bytes(a.K);
  const __m256i nib = _mm256_set1_epi8(0x0f);
  const __m256i bitsel = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, -32768);
  const uint8_t* tabs[T];
  Out o[T];
  for (int t = 0; t < T; ++t) {
    tabs[t] = a.acts + (t0 + t) * rec + 64;
    out_init(o[t]);
  }
  for (int64_t s = 0; s < segs; ++s) {
    __m256i accA[T], accB[T];
    for (int t = 0; t < T; ++t) accA[t] = accB[t] = _mm256_setzero_si256();
    const uint8_t* seg = codes + s * t3::kSegBytes;
    _mm_prefetch((const char*)(seg + 4 * t3::kSegBytes), _MM_HINT_T0);
    _mm_prefetch((const char*)(seg + 4 * t3::kSegBytes + 448), _MM_HINT_T0);
    for (int st = 0; st < t3::kStepsPerSeg; ++st) {
      const uint8_t* step = seg + st * t3::kStepBytes;
      uint16_t sg[8];
      std::memcpy(sg, step + 64, 16);
      const int64_t toff = (s * t3::kStepsPerSeg + st) * t3::kLutStepBytes;
      for (int hh = 0; hh < 2; ++hh) {  // lanes 2hh, 2hh+1
        const __m256i idx = _mm256_loadu_si256((const __m256i*)(step + 32 * hh));
        const __m256i il = _mm256_and_si256(idx, nib);
        const __m256i ih = _mm256_and_si256(_mm256_srli_epi16(idx, 4), nib);
        // sign word s of the 4 masks covers bits 16hh..16hh+15: word w <-> bit w.
        __m256i m[4];
        for (int j = 0; j < 4; ++j) {
          const __m256i b = _mm256_and_si256(_mm256_set1_epi16((short)sg[2 * j + hh]), bitsel);
          m[j] = _mm256_cmpeq_epi16(b, bitsel);
        }
        for (int t = 0; t < T; ++t) {
          const uint8_t* tb = tabs[t] + toff + 32 * hh;
          const __m256i llo = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)tb), il);
          const __m256i lhi = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)(tb + 64)), il);
          const __m256i hlo = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)(tb + 128)), ih);
          const __m256i hhi = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i*)(tb + 192)), ih);
          const __m256i a0 = _mm256_unpacklo_epi8(llo, lhi), b0 = _mm256_unpackhi_epi8(llo, lhi);
          const __m256i a1 = _mm256_unpacklo_epi8(hlo, hhi), b1 = _mm256_unpackhi_epi8(hlo, hhi);
          __m256i A = accA[t], B = accB[t];
          A = _mm256_add_epi16(A, _mm256_sub_epi16(_mm256_xor_si256(a0, m[0]), m[0]));
          B = _mm256_add_epi16(B, _mm256_sub_epi16(_mm256_xor_si256(b0, m[1]), m[1]));
          A = _mm256_add_epi16(A, _mm256_sub_epi16(_mm256_xor_si256(a1, m[2]), m[2]));
          B = _mm256_add_epi16(B, _mm256_sub_epi16(_mm256_xor_si256(b1, m[3]), m[3]));
          accA[t] = A;
          accB[t] = B;
        }
      }
    }
    // |int16 partial| <= 11 steps x 4 x 381 = 16764.
    for (int t = 0; t < T; ++t) block_done(a, tile, s, fold16(accA[t]), fold16(accB[t]), o[t]);
  }
  for (int t = 0; t < T; ++t)
    finish(a, tile, t0 + t, o[t], reinterpret_cast<const t3::ActHeader*>(tabs[t] - 64)->inv_scale);
}

template <int T>
static void mad_tile(const t3::Args& a, int64_t tile, int64_t t0, const uint8_t* panel) {
  const int64_t segs = t3::segments(a.K), rec = t3::mad_record_bytes(a.K), sums = t3::mad_sums_bytes(a.K);
  const __m256i ones = _mm256_set1_epi16(1);
  const int8_t* q[T];
  const int32_t* asum[T];
  Out o[T];
  for (int t = 0; t < T; ++t) {
    const uint8_t* r = a.acts + (t0 + t) * rec;
    asum[t] = reinterpret_cast<const int32_t*>(r + 64);
    q[t] = reinterpret_cast<const int8_t*>(r + 64 + sums);
    out_init(o[t]);
  }
  for (int64_t s = 0; s < segs; ++s) {
    __m256i lo[T], hi[T];
    for (int t = 0; t < T; ++t) lo[t] = hi[t] = _mm256_setzero_si256();
    const uint8_t* w = panel + s * 256 * 16;
    for (int k4 = 0; k4 < 64; ++k4) {
      const __m256i w0 = _mm256_load_si256((const __m256i*)(w + k4 * 64));
      const __m256i w1 = _mm256_load_si256((const __m256i*)(w + k4 * 64 + 32));
      for (int t = 0; t < T; ++t) {
        int32_t a4;
        std::memcpy(&a4, q[t] + s * 256 + k4 * 4, 4);
        const __m256i av = _mm256_set1_epi32(a4);
        lo[t] = _mm256_add_epi16(lo[t], _mm256_maddubs_epi16(w0, av));
        hi[t] = _mm256_add_epi16(hi[t], _mm256_maddubs_epi16(w1, av));
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m256i c = _mm256_set1_epi32(asum[t][s]);
      block_done(a, tile, s, _mm256_sub_epi32(_mm256_madd_epi16(lo[t], ones), c),
                 _mm256_sub_epi32(_mm256_madd_epi16(hi[t], ones), c), o[t]);
    }
  }
  for (int t = 0; t < T; ++t)
    finish(a, tile, t0 + t, o[t], reinterpret_cast<const t3::ActHeader*>(a.acts + (t0 + t) * rec)->inv_scale);
}

static void decode_tile(const t3::Args& a, int64_t tile, uint8_t* rowmajor, uint8_t* panel) {
  const int64_t Kp = t3::segments(a.K) * 256;
  const uint8_t* codes = a.codes + tile * t3::tile_bytes(a.K);
  for (int i = 0; i < 16; ++i) t3::decode_row(codes, a.K, i, rowmajor + i * Kp);
  for (int64_t k4 = 0; k4 < Kp / 4; ++k4)
    for (int i = 0; i < 16; ++i) std::memcpy(panel + k4 * 64 + i * 4, rowmajor + i * Kp + k4 * 4, 4);
}

}  // namespace

void ternary_lut_compute(const t3::Args& a) {
  for (int64_t tile = a.r0 / 16; tile * 16 < a.r1; ++tile) {
    int64_t t = 0;
    for (; t + 2 <= a.n; t += 2) lut_tile<2>(a, tile, t);
    if (t < a.n) lut_tile<1>(a, tile, t);
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
    for (; t + 4 <= a.n; t += 4) mad_tile<4>(a, tile, t, panel);
    switch (a.n - t) {
      case 3: mad_tile<3>(a, tile, t, panel); break;
      case 2: mad_tile<2>(a, tile, t, panel); break;
      case 1: mad_tile<1>(a, tile, t, panel); break;
      default: break;
    }
  }
}

}  // namespace avx2
}  // namespace ryzen
