#include "quant_format.h"
#include <cstring>
#include "core/isa.h"

namespace ryzen {

size_t act_row_bytes(ActKind a, int64_t K) {
  switch (a) {
    case ActKind::A32: return a32_row_bytes(K);
    case ActKind::A256: return a256_row_bytes(K);
    default: return 0;
  }
}

size_t act_bytes_for(ActKind a, int64_t K, int64_t n) { return act_row_bytes(a, K) * (size_t)n; }

void prepare_acts_for(ActKind a, Isa isa, const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1,
                      uint8_t* scratch) {
  const FormatKernels& k = kernels_of(isa);
  if (a == ActKind::A32) (k.acts_a32 ? k.acts_a32 : quantize_acts_a32)(x, ldx, K, t0, t1, scratch);
  if (a == ActKind::A256) (k.acts_a256 ? k.acts_a256 : quantize_acts_a256)(x, ldx, K, t0, t1, scratch);
}

bool prepare_alias(DType type, const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols,
                   std::shared_ptr<void> src_owner, MatmulWeights& out, std::string& err) {
  const DTypeTraits tr = dtype_traits((int32_t)type);
  const int64_t need = dtype_tensor_bytes((int32_t)type, rows, cols);
  if (need < 0) {
    err = std::string(tr.name) + " weights need cols (" + std::to_string(cols) + ") to be a positive multiple of " +
          std::to_string(tr.block_size) + " and rows (" + std::to_string(rows) + ") > 0";
    return false;
  }
  if (src == nullptr || (int64_t)src_bytes < need) {
    err = std::string(tr.name) + " weights [" + std::to_string(cols) + ", " + std::to_string(rows) + "] need " +
          std::to_string(need) + " bytes, got " + std::to_string(src_bytes);
    return false;
  }
  out.type = type;
  out.rows = rows;
  out.cols = cols;
  out.data = src;
  out.bytes = (size_t)need;
  out.scale = 1.0f;
  out.layout = 0;
  out.owner = std::move(src_owner);
  return true;
}

const FormatKernels& kernels_of(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return avx512::format_kernels();
    case Isa::Avx2: return avx2::format_kernels();
    default: return scalar::format_kernels();
  }
}

// The widest kernel at or below `isa` that the CPU supports and that implements the format.
const MatmulKernel* select_kernel(const FormatKernelSet& set, Isa isa) {
  int i = (int)isa < (int)best_isa() ? (int)isa : (int)best_isa();
  for (; i > 0; i--)
    if (kernels_of((Isa)i).*set.member) return set.by_isa[i];
  return set.by_isa[0];
}

int list_kernels(const FormatKernelSet& set, Isa isa, const MatmulKernel** out, int max) {
  int n = 0;
  const int top = (int)isa < (int)best_isa() ? (int)isa : (int)best_isa();
  for (int i = top; i >= 0 && n < max; i--)
    if (i == 0 || kernels_of((Isa)i).*set.member) out[n++] = set.by_isa[i];
  return n;
}

void dequantize_blocks(void (*row)(const uint8_t*, float*, int64_t), int64_t block, int64_t type_size,
                       const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  const int64_t avail = (int64_t)(src_bytes / (size_t)type_size) * block;
  int64_t ok = first >= avail ? 0 : (count < avail - first ? count : avail - first);
  ok -= ok % block;
  if (first % block == 0 && ok > 0) row(src + first / block * type_size, dst, ok);
  else ok = 0;
  if (count > ok) std::memset(dst + ok, 0, (size_t)(count - ok) * sizeof(float));
}

}  // namespace ryzen
