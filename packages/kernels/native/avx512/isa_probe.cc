// Reports the flags this library is compiled with (see core/isa_probe.h).
#include "core/isa_probe.h"

namespace ryzen {
namespace avx512 {

unsigned isa_probe() {
  unsigned bits = 0;
#ifdef __AVX2__
  bits |= kProbeAvx2;
#endif
#ifdef __FMA__
  bits |= kProbeFma;
#endif
#ifdef __F16C__
  bits |= kProbeF16c;
#endif
#ifdef __AVX512F__
  bits |= kProbeAvx512f;
#endif
#ifdef __AVX512BW__
  bits |= kProbeAvx512bw;
#endif
#ifdef __AVX512VL__
  bits |= kProbeAvx512vl;
#endif
#ifdef __AVX512DQ__
  bits |= kProbeAvx512dq;
#endif
#ifdef __AVX512VNNI__
  bits |= kProbeAvx512vnni;
#endif
#ifdef __AVX512BF16__
  bits |= kProbeAvx512bf16;
#endif
#ifdef __AVX512VBMI__
  bits |= kProbeAvx512vbmi;
#endif
  return bits;
}

}  // namespace avx512
}  // namespace ryzen
