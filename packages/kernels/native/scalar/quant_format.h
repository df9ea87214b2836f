// Glue shared by the non-ternary WeightFormats: aliasing prepare, per-ISA kernel selection and the
// MatmulKernel adapters over the per-ISA GemmFn tables. Flag-free code only (format TUs).
#pragma once
#include <memory>
#include <string>
#include "core/matmul.h"
#include "quant_kernels.h"

namespace ryzen {

enum class ActKind { F32, A32, A256 };

size_t act_row_bytes(ActKind a, int64_t K);
size_t act_bytes_for(ActKind a, int64_t K, int64_t n);
void prepare_acts_for(ActKind a, Isa isa, const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1,
                      uint8_t* scratch);

// Weights stay in their on-disk layout (mmap zero-copy); prepare only validates and aliases.
bool prepare_alias(DType type, const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols,
                   std::shared_ptr<void> src_owner, MatmulWeights& out, std::string& err);

// The three kernels of a format (scalar, avx2, avx512 order) and which GemmFn they call.
struct FormatKernelSet {
  const MatmulKernel* by_isa[3];
  GemmFn FormatKernels::*member;
};
const MatmulKernel* select_kernel(const FormatKernelSet& set, Isa isa);
int list_kernels(const FormatKernelSet& set, Isa isa, const MatmulKernel** out, int max);

// Block-granular decode with bounds: elements past the end of `src` decode as zero.
void dequantize_blocks(void (*row)(const uint8_t*, float*, int64_t), int64_t block, int64_t type_size,
                       const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst);

const FormatKernels& kernels_of(Isa isa);

template <ActKind A>
size_t act_bytes_t(int64_t K, int64_t n) {
  return act_bytes_for(A, K, n);
}
template <ActKind A, Isa I>
void prepare_acts_t(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  prepare_acts_for(A, I, x, ldx, K, t0, t1, scratch);
}
template <ActKind A, GemmFn FormatKernels::*M, Isa I>
void compute_t(const MatmulWeights& w, const uint8_t* scratch, const float* x, int64_t ldx, int64_t n, float* y,
               int64_t ldy, int64_t r0, int64_t r1) {
  GemmArgs g{w.data, w.bytes / (size_t)w.rows, w.cols, scratch, act_row_bytes(A, w.cols), x, ldx, n, y, ldy, r0, r1};
  (kernels_of(I).*M)(g);
}

template <ActKind A, GemmFn FormatKernels::*M, Isa I>
MatmulKernel make_kernel(const char* name) {
  return MatmulKernel{name, 1, act_bytes_t<A>, prepare_acts_t<A, I>, compute_t<A, M, I>};
}

}  // namespace ryzen

// Defines the MatmulKernels, select() and kernels() of one format inside the including TU.
#define RYZEN_FORMAT_KERNELS(prefix, acts, member)                                                        \
  namespace {                                                                                            \
  const ::ryzen::MatmulKernel k_scalar =                                                                 \
      ::ryzen::make_kernel<acts, &::ryzen::FormatKernels::member, ::ryzen::Isa::Scalar>(prefix ".scalar"); \
  const ::ryzen::MatmulKernel k_avx2 =                                                                   \
      ::ryzen::make_kernel<acts, &::ryzen::FormatKernels::member, ::ryzen::Isa::Avx2>(prefix ".avx2");    \
  const ::ryzen::MatmulKernel k_avx512 =                                                                 \
      ::ryzen::make_kernel<acts, &::ryzen::FormatKernels::member, ::ryzen::Isa::Avx512>(prefix ".avx512"); \
  const ::ryzen::FormatKernelSet k_set = {{&k_scalar, &k_avx2, &k_avx512}, &::ryzen::FormatKernels::member}; \
  const ::ryzen::MatmulKernel* select_fn(::ryzen::Isa isa, int64_t, const ::ryzen::MatmulWeights&) {   \
    return ::ryzen::select_kernel(k_set, isa);                                                           \
  }                                                                                                      \
  int kernels_fn(::ryzen::Isa isa, const ::ryzen::MatmulKernel** out, int max) {                         \
    return ::ryzen::list_kernels(k_set, isa, out, max);                                                  \
  }                                                                                                      \
  }
