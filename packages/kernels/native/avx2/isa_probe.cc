// Reports the flags this library is compiled with (see core/isa_probe.h).
#include "core/isa_probe.h"

namespace ryzen {
namespace avx2 {

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
  return bits;
}

}  // namespace avx2
}  // namespace ryzen
