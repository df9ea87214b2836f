// Machine probes for the kernel benchmark: streaming read bandwidth and int8 multiply-add peak.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ryzen {
namespace avx512 {
uint64_t bench_read(const uint8_t* p, size_t bytes);  // XOR of every 64-byte line (keeps loads live)
int32_t bench_vnni(int64_t iters);                     // iters x 16 independent vpdpbusd zmm
}
namespace avx2 {
uint64_t bench_read(const uint8_t* p, size_t bytes);
int32_t bench_maddubs(int64_t iters);  // iters x 16 (vpmaddubsw + vpaddw) ymm, 4 accumulators
}
// int8 operations (multiply-add = 2) done by one call with `iters`, per ISA.
static const double kVnniOpsPerIter = 16.0 * 64 * 2;
static const double kMaddubsOpsPerIter = 16.0 * 32 * 2;
}  // namespace ryzen
