// Helpers shared by the AVX-512 x16 kernels (q4_0_x16.cc, q4_k_x16.cc, q6_k_x16.cc). Included only
// by AVX-512 translation units (see the ISA rule).
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "formats/q4_0_x16.h"

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

}  // namespace avx512
}  // namespace ryzen
