// Helpers shared by the AVX2 x16 kernels (q4_0_x16.cc, q4_k_x16.cc). Included only by AVX2
// translation units (see the ISA rule).
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "formats/q4_0_x16.h"

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

}  // namespace avx2
}  // namespace ryzen
