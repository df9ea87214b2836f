// AVX-512 probes for the kernel benchmark (see ternary/bench_probes.h).
#include <immintrin.h>
#include "ternary/bench_probes.h"

namespace ryzen {
namespace avx512 {

// Sum of a vector's dwords with wrap-around: keeps every lane live, and unlike
// _mm512_reduce_add_* (signed C additions in GCC's header) cannot overflow, whatever the probe's
// accumulators hold.
static uint32_t fold(__m512i v) {
  alignas(64) uint32_t d[16];
  _mm512_store_si512(d, v);
  uint32_t sum = 0;
  for (uint32_t w : d) sum += w;
  return sum;
}

uint64_t bench_read(const uint8_t* p, size_t bytes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 256 <= bytes; i += 256) {
    a0 = _mm512_xor_si512(a0, _mm512_loadu_si512(p + i));
    a1 = _mm512_xor_si512(a1, _mm512_loadu_si512(p + i + 64));
    a2 = _mm512_xor_si512(a2, _mm512_loadu_si512(p + i + 128));
    a3 = _mm512_xor_si512(a3, _mm512_loadu_si512(p + i + 192));
  }
  return fold(_mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3)));
}

// 16 named accumulators (an array of them stayed in memory: every vpdpbusd went through a
// store-forwarded load, and the probe reported ~300 instead of ~470 GOPS per core).
#define RYZEN_REP16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
int32_t bench_vnni(int64_t iters) {
  const __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-5);
#define RYZEN_DECL(j) __m512i a##j = _mm512_set1_epi32(j);
  RYZEN_REP16(RYZEN_DECL)
  for (int64_t it = 0; it < iters; ++it) {
#define RYZEN_STEP(j) a##j = _mm512_dpbusd_epi32(a##j, u, s);
    RYZEN_REP16(RYZEN_STEP)
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7));
    __asm__ volatile("" : "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(a12), "+v"(a13), "+v"(a14), "+v"(a15));
  }
  __m512i t = _mm512_setzero_si512();
#define RYZEN_SUM(j) t = _mm512_add_epi32(t, a##j);
  RYZEN_REP16(RYZEN_SUM)
  return (int32_t)fold(t);
}
#undef RYZEN_SUM
#undef RYZEN_STEP
#undef RYZEN_DECL
#undef RYZEN_REP16

}  // namespace avx512
}  // namespace ryzen
