// Helpers shared by the AVX2 x16 kernels (q4_0, q8_0, q4_k, q6_k _x16.cc). Included only by AVX2
// translation units (see the ISA rule).
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include "formats/q4_0_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx2 {

// A token's 4 activations at p in every dword lane (a load-broadcast).
static inline __m256i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Stores half `half` (rows 8*half..8*half+7) of `tile` held in v to a token's outputs, rows below r1 only.
static inline void store_half(float* y_token, int64_t tile, int half, int64_t r1, __m256 v) {
  const int64_t r0 = tile * q4x16::kTileRows + 8 * half;
  const int64_t valid = r1 - r0 < 8 ? r1 - r0 : 8;
  if (valid <= 0) return;
  if (valid == 8) {
    _mm256_storeu_ps(y_token + r0, v);
    return;
  }
  alignas(32) float tmp[8];
  _mm256_store_ps(tmp, v);
  std::memcpy(y_token + r0, tmp, (size_t)valid * sizeof(float));
}

// The tile loop the AVX2 x16 kernels share. K is called as k(H, T, tile, h, t0) with H and T as
// std::integral_constant<int, ...> (a kernel passes a generic lambda around its template): H half
// tiles of 8 rows from half h, T tokens from t0. Decode runs whole tiles (both halves in one pass
// over the codes); more tokens run half tiles in blocks of MaxT tokens, then one block of each
// smaller size for the rest.
template <int V>
using IntC = std::integral_constant<int, V>;

template <int T, class K>
static inline void half_tail(const K& k, int64_t tile, int h, int64_t t, int64_t n) {
  if constexpr (T > 0) {
    if (n - t >= T) k(IntC<1>{}, IntC<T>{}, tile, h, t), t += T;
    half_tail<T - 1>(k, tile, h, t, n);
  }
}

template <int MaxT, class K>
static inline void run_halves(const K& k, const GemmArgs& g) {
  const int64_t end = (g.r1 + q4x16::kTileRows - 1) / q4x16::kTileRows;
  for (int64_t tile = g.r0 / q4x16::kTileRows; tile < end; ++tile) {
    if (g.n == 1) {
      k(IntC<2>{}, IntC<1>{}, tile, 0, 0);
      continue;
    }
    for (int h = 0; h < 2; ++h) {
      int64_t t = 0;
      for (; t + MaxT <= g.n; t += MaxT) k(IntC<1>{}, IntC<MaxT>{}, tile, h, t);
      half_tail<MaxT - 1>(k, tile, h, t, g.n);
    }
  }
}

}  // namespace avx2
}  // namespace ryzen
