// A 16 x 16 transpose of 32-bit values in AVX-512 registers, for the AVX-512 translation units
// (ternary tiles, attention). In an anonymous namespace: each including TU, all compiled with the
// AVX-512 flags, gets its own copy (see the ISA rule in the kernels README).
#pragma once
#include <immintrin.h>

namespace ryzen {
namespace avx512 {
namespace {

// v[i] = row i of a 16 x 16 matrix of 32-bit values -> v[j] = column j.
static inline void transpose16(__m512i v[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(v[i], v[i + 1]);
  }
  // u[4g + c], lane L: rows 4g..4g+3 of column 4L + c
  __m512i u[16];
  for (int g = 0; g < 4; ++g) {
    const __m512i* x = t + 4 * g;
    u[4 * g + 0] = _mm512_unpacklo_epi64(x[0], x[2]);
    u[4 * g + 1] = _mm512_unpackhi_epi64(x[0], x[2]);
    u[4 * g + 2] = _mm512_unpacklo_epi64(x[1], x[3]);
    u[4 * g + 3] = _mm512_unpackhi_epi64(x[1], x[3]);
  }
  // column 4L + c, lane g = u[4g + c] lane L: a 4 x 4 transpose of 128-bit lanes per c
  for (int c = 0; c < 4; ++c) {
    const __m512i a0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44), a1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xee);
    const __m512i b0 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44), b1 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xee);
    v[c] = _mm512_shuffle_i32x4(a0, b0, 0x88);
    v[4 + c] = _mm512_shuffle_i32x4(a0, b0, 0xdd);
    v[8 + c] = _mm512_shuffle_i32x4(a1, b1, 0x88);
    v[12 + c] = _mm512_shuffle_i32x4(a1, b1, 0xdd);
  }
}

static inline void transpose16(__m512 v[16]) { transpose16(reinterpret_cast<__m512i*>(v)); }

}  // namespace
}  // namespace avx512
}  // namespace ryzen
