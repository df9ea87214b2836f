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

// 16 distinct vpmaddubsw (8 weight registers x 2 activation registers) + vpaddw per iteration into
// 4 accumulators. The operands pass through an empty asm each iteration so the products are
// neither hoisted out of the loop nor shared (an earlier version measured hoisted adds), and
// everything fits the 16 ymm registers (an accumulator array had stayed in memory).
int32_t bench_maddubs(int64_t iters) {
  __m256i w0 = _mm256_set1_epi8(1), w1 = _mm256_set1_epi8(2), w2 = _mm256_set1_epi8(3), w3 = _mm256_set1_epi8(4);
  __m256i w4 = _mm256_set1_epi8(5), w5 = _mm256_set1_epi8(6), w6 = _mm256_set1_epi8(7), w7 = _mm256_set1_epi8(8);
  __m256i s0 = _mm256_set1_epi8(-5), s1 = _mm256_set1_epi8(7);
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (int64_t it = 0; it < iters; ++it) {
    __asm__ volatile("" : "+x"(w0), "+x"(w1), "+x"(w2), "+x"(w3), "+x"(w4), "+x"(w5), "+x"(w6), "+x"(w7), "+x"(s0), "+x"(s1));
    a0 = _mm256_add_epi16(a0, _mm256_maddubs_epi16(w0, s0));
    a1 = _mm256_add_epi16(a1, _mm256_maddubs_epi16(w1, s0));
    a2 = _mm256_add_epi16(a2, _mm256_maddubs_epi16(w2, s0));
    a3 = _mm256_add_epi16(a3, _mm256_maddubs_epi16(w3, s0));
    a0 = _mm256_add_epi16(a0, _mm256_maddubs_epi16(w4, s0));
    a1 = _mm256_add_epi16(a1, _mm256_maddubs_epi16(w5, s0));
    a2 = _mm256_add_epi16(a2, _mm256_maddubs_epi16(w6, s0));
    a3 = _mm256_add_epi16(a3, _mm256_maddubs_epi16(w7, s0));
    a0 = _mm256_add_epi16(a0, _mm256_maddubs_epi16(w0, s1));
    a1 = _mm256_add_epi16(a1, _mm256_maddubs_epi16(w1, s1));
    a2 = _mm256_add_epi16(a2, _mm256_maddubs_epi16(w2, s1));
    a3 = _mm256_add_epi16(a3, _mm256_maddubs_epi16(w3, s1));
    a0 = _mm256_add_epi16(a0, _mm256_maddubs_epi16(w4, s1));
    a1 = _mm256_add_epi16(a1, _mm256_maddubs_epi16(w5, s1));
    a2 = _mm256_add_epi16(a2, _mm256_maddubs_epi16(w6, s1));
    a3 = _mm256_add_epi16(a3, _mm256_maddubs_epi16(w7, s1));
  }
  const __m256i t = _mm256_add_epi16(_mm256_add_epi16(a0, a1), _mm256_add_epi16(a2, a3));
  return _mm256_extract_epi32(t, 0);
}

}  // namespace avx2
}  // namespace ryzen
