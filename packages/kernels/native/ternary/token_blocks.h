// The token loop of the T2 multiply-add kernels for several tokens: blocks of 4, then one block
// of the rest, each kernel call instantiated for its token count.
//
// In an anonymous namespace and intrinsic-free, so each ISA translation unit gets its own copy
// (see the ISA rule).
#pragma once
#include <cstdint>
#include <type_traits>

namespace ryzen {
namespace t2 {
namespace {

// Calls f(std::integral_constant<int, T>(), t0) for tokens [0, n): T = 4 while 4 remain, then
// T = 3, 2 or 1 once for the rest.
template <class F>
static inline void token_blocks_of_4(int64_t n, F f) {
  int64_t t = 0;
  for (; t + 4 <= n; t += 4) f(std::integral_constant<int, 4>(), t);
  switch (n - t) {
    case 3: f(std::integral_constant<int, 3>(), t); break;
    case 2: f(std::integral_constant<int, 2>(), t); break;
    case 1: f(std::integral_constant<int, 1>(), t); break;
    default: break;
  }
}

}  // namespace
}  // namespace t2
}  // namespace ryzen
