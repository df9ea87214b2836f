// Helpers shared by the AVX-512 x16 kernels (q4_0_x16.cc, q4_k_x16.cc, q6_k_x16.cc). Included only
// by AVX-512 translation units (see the ISA rule).
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include "formats/q4_0_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx512 {

// A token's 4 activations at p in every dword lane (a load-broadcast).
static inline __m512i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// Stores the 16 rows of `tile` held in v to y (row stride: outputs of one token), rows below r1 only.
static inline void store_tile(float* y_token, int64_t tile, int64_t r1, __m512 v) {
  const int64_t r0 = tile * q4x16::kTileRows;
  const int64_t valid = r1 - r0 < q4x16::kTileRows ? r1 - r0 : q4x16::kTileRows;
  if (valid <= 0) return;
  _mm512_mask_storeu_ps(y_token + r0, (__mmask16)(valid >= 16 ? 0xFFFF : (1u << valid) - 1), v);
}

// The tile loop every x16 kernel shares. K is called as k(NT, T, tile, t0) with NT and T as
// std::integral_constant<int, ...> (a kernel passes a generic lambda around its template): NT
// tiles from `tile`, T tokens from t0. Decode (one token) runs one tile at a time:
// one weight stream, which reads DRAM faster than several tiles at once. More tokens run tile
// pairs in blocks of MaxT tokens, then one block of each smaller size for the rest.
template <int V>
using IntC = std::integral_constant<int, V>;

template <int NT, int T, class K>
static inline void token_tail(const K& k, int64_t tile, int64_t t, int64_t n) {
  if constexpr (T > 0) {
    if (n - t >= T) k(IntC<NT>{}, IntC<T>{}, tile, t), t += T;
    token_tail<NT, T - 1>(k, tile, t, n);
  }
}

template <int MaxT, int NT, class K>
static inline void token_blocks(const K& k, int64_t tile, int64_t n) {
  int64_t t = 0;
  for (; t + MaxT <= n; t += MaxT) k(IntC<NT>{}, IntC<MaxT>{}, tile, t);
  token_tail<NT, MaxT - 1>(k, tile, t, n);
}

template <int MaxT, class K>
static inline void run_tiles(const K& k, const GemmArgs& g) {
  const int64_t end = (g.r1 + q4x16::kTileRows - 1) / q4x16::kTileRows;
  int64_t tile = g.r0 / q4x16::kTileRows;
  if (g.n == 1) {
    for (; tile < end; ++tile) k(IntC<1>{}, IntC<1>{}, tile, 0);
    return;
  }
  for (; tile + 2 <= end; tile += 2) token_blocks<MaxT, 2>(k, tile, g.n);
  if (tile < end) token_blocks<MaxT, 1>(k, tile, g.n);
}

}  // namespace avx512
}  // namespace ryzen
