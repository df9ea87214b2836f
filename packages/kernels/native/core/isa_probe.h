// Each SIMD library contains one probe reporting the ISA flags its translation units were
// compiled with. Calling it executes no SIMD instruction, so it is safe on any CPU; cpuInfo()
// uses it to confirm the libraries are linked with the intended flags.
#pragma once

namespace ryzen {

enum IsaProbeBits : unsigned {
  kProbeAvx2 = 1u << 0, kProbeFma = 1u << 1, kProbeF16c = 1u << 2, kProbeAvx512f = 1u << 3,
  kProbeAvx512bw = 1u << 4, kProbeAvx512vl = 1u << 5, kProbeAvx512dq = 1u << 6, kProbeAvx512vnni = 1u << 7,
  kProbeAvx512bf16 = 1u << 8, kProbeAvx512vbmi = 1u << 9,
};

namespace avx2 { unsigned isa_probe(); }
namespace avx512 { unsigned isa_probe(); }

}  // namespace ryzen
