// acc += pair sums of w (u8) x b (s8), as int16 (vpmaddubsw + vpaddw), for the AVX2 ternary and x16
// kernels. In asm because GCC 12 schedules all of a loop's broadcasts or loads first, runs out of
// the 16 ymm registers and keeps an accumulator in memory, so the loop waited on store-to-load
// forwarding (~2x slower). Include only from AVX2 translation units (see the ISA rule).
#pragma once
#include <immintrin.h>
#include <cstdint>

namespace ryzen {
namespace avx2 {

static inline __m256i maddubs_acc(__m256i acc, __m256i w, __m256i b) {
  __m256i t;
  __asm__("vpmaddubsw %2, %3, %1\n\tvpaddw %1, %0, %0" : "+x"(acc), "=&x"(t) : "x"(b), "x"(w));
  return acc;
}

// The same with b read from memory (32 bytes, any alignment).
static inline __m256i maddubs_acc_mem(__m256i acc, __m256i w, const int8_t* b) {
  __m256i t;
  __asm__("vpmaddubsw %2, %3, %1\n\tvpaddw %1, %0, %0"
          : "+x"(acc), "=&x"(t)
          : "m"(*reinterpret_cast<const __m256i*>(b)), "x"(w));
  return acc;
}

}  // namespace avx2
}  // namespace ryzen
