// CPU feature detection and the ISA path chosen at run time. No SIMD flags in this TU.
#pragma once
#include <string>

namespace ryzen {

enum class Isa : int { Scalar = 0, Avx2 = 1, Avx512 = 2 };

struct CpuFeatures {
  bool sse42, avx, avx2, fma, f16c;
  bool avx512f, avx512bw, avx512vl, avx512dq, avx512vnni, avx512bf16, avx512vbmi, avxvnni;
  bool amx_int8;  // AMX-TILE + AMX-INT8 (the OS must still grant the tile state: amx_ready)
  int physical_cores, logical_cores;
  std::string vendor, brand;
};

const CpuFeatures& cpu_features();
Isa best_isa();                 // the widest path the CPU supports
Isa active_isa();               // RYZEN_ISA (clamped to best_isa) or best_isa; read once, settable
void set_active_isa(Isa isa);   // clamps to best_isa(); used by tests and cpuInfo()
const char* isa_name(Isa isa);
// AMX-INT8 tiles usable by this process: the CPU has them, Linux granted the tile state
// (arch_prctl ARCH_REQ_XCOMP_PERM, asked once here) and RYZEN_AMX is not 0. Kernels use them only
// on the AVX-512 path (their translation unit has the AVX-512 flags too).
bool amx_ready();
bool parse_isa(const std::string& s, Isa* out);

}  // namespace ryzen
