// AVX2 probes for the kernel benchmark (see ternary/bench_probes.h).
#include <immintrin.h>
#include "ternary/bench_probes.h"

namespace ryzen {
namespace avx2 {

uint64_t bench_read(const uint8_t* p, size_t bytes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 128 <= bytes; i += 128) {
    a0 = _mm256_xor_si256(a0, _mm256_loadu_si256((const __m256i*)(p + i)));
    a1 = _mm256_xor_si256(a1, _mm256_loadu_si256((const __m256i*)(p + i + 32)));
    a2 = _mm256_xor_si256(a2, _mm256_loadu_si256((const __m256i*)(p + i + 64)));
    a3 = _mm256_xor_si256(a3, _mm256_loadu_si256((const __m256i*)(p + i + 96)));
  }
  const __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  return (uint64_t)_mm256_extract_epi64(a, 0) ^ (uint64_t)_mm256_extract_epi64(a, 3);
}

int32_t bench_maddubs(int64_t iters) {
  const __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-5);
  __m256i acc[16];
  for (int j = 0; j < 16; ++j) acc[j] = _mm256_set1_epi16((short)j);
  for (int64_t it = 0; it < iters; ++it) {
    for (int j = 0; j < 16; ++j) acc[j] = _mm256_add_epi16(acc[j], _mm256_maddubs_epi16(u, s));
    __asm__ volatile("" : "+x"(acc[0]), "+x"(acc[5]), "+x"(acc[10]), "+x"(acc[15]));
  }
  __m256i t = acc[0];
  for (int j = 1; j < 16; ++j) t = _mm256_add_epi16(t, acc[j]);
  return _mm256_extract_epi32(t, 0);
}

}  // namespace avx2
}  // namespace ryzen
