// Q8_0 (32 int8 + f16 scale per block) weights. Two matmul layouts, chosen at prepare():
//  - "gguf": llama.cpp's block layout kept as is (mmap zero-copy), for the scalar ISA;
//  - "x16": repacked into 16-row tiles of codes + 128 (formats/q8_0_x16.h) where AVX2 or AVX-512
//    is active: aligned 16-row vectors, scales apart; with AVX-512 VNNI the codes feed vpdpbusd
//    with no per-token sign fix-up.
// RYZEN_Q8_0_LAYOUT=gguf|x16 forces one (tests, benchmarks). Reference (de)quantization is
// bit-compatible with ggml-quants.c and always reads the on-disk bytes.
#include <cstring>
#include "formats/q8_0_x16.h"
#include "formats/x16_format.h"
#include "scalar/quant_ref.h"

namespace ryzen {
namespace {

constexpr int kLayout = q8x16::kLayout;
const MatmulKernel k_scalar = gguf_kernel<ActKind::A32, &FormatKernels::q8_0, Isa::Scalar, kLayout>("q8_0.scalar");
const MatmulKernel k_avx2 = gguf_kernel<ActKind::A32, &FormatKernels::q8_0, Isa::Avx2, kLayout>("q8_0.avx2");
const MatmulKernel k_avx512 = gguf_kernel<ActKind::A32, &FormatKernels::q8_0, Isa::Avx512, kLayout>("q8_0.avx512");
const MatmulKernel k_x16_scalar = x16_kernel<Isa::Scalar, scalar::gemm_q8_0_x16, ActKind::A32, kLayout>("q8_0.x16.scalar", 0);
const MatmulKernel k_x16_avx2 = x16_kernel<Isa::Avx2, avx2::gemm_q8_0_x16, ActKind::A32, kLayout>("q8_0.x16.avx2", 0);
// prefill runs tile pairs
const MatmulKernel k_x16_avx512 = x16_kernel<Isa::Avx512, avx512::gemm_q8_0_x16, ActKind::A32, kLayout>("q8_0.x16.avx512", 32);

// On-disk block b of row r: f16 d, then qs[32] (int8).
void decode_row_x16(const uint8_t* src, int64_t r, int64_t K, uint8_t* codes, uint8_t* meta, int i) {
  const int64_t blocks = K / 32;
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* blk = src + (r * blocks + b) * kQ8_0Block;
    for (int j = 0; j < 32; ++j) codes[32 * b + j] = (uint8_t)(blk[2 + j] ^ 0x80);  // + 128
    std::memcpy(meta + b * q4x16::kBlockScaleBytes + 2 * i, blk, 2);
  }
}

const X16Format k_format = {DType::Q8_0, "RYZEN_Q8_0_LAYOUT", Isa::Avx2, kLayout, q8x16::kTiles, decode_row_x16, q8x16::pack_block,
                            {{&k_scalar, &k_avx2, &k_avx512}, &FormatKernels::q8_0},
                            {&k_x16_scalar, &k_x16_avx2, &k_x16_avx512}};

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void> owner,
             MatmulWeights& out, std::string& err) {
  return prepare_x16(k_format, src, src_bytes, rows, cols, std::move(owner), out, err);
}
const MatmulKernel* select_fn(Isa isa, int64_t, const MatmulWeights& w) { return select_x16(k_format, isa, w); }
int kernels_fn(Isa isa, const MatmulKernel** out, int max) { return list_x16(k_format, isa, out, max); }

void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  dequantize_blocks(dequantize_row_q8_0, 32, 34, src, src_bytes, first, count, dst);
}

// Row `row` of x16 weights, as dequantize_row_q8_0 computes it: q * d (code - 128 = q).
void dequantize_prepared(const MatmulWeights& w, int64_t row, float* dst) {
  q4x16::dequantize_row<q8x16::code>(q8x16::kTiles, 128, w.data, w.rows, w.cols, row, dst);
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t row_bytes = cols / 32 * 34;
  for (int64_t r = 0; r < rows; r++) quantize_row_q8_0(src + r * cols, dst + r * row_bytes, cols);
}

const RegisterWeightFormat reg({DType::Q8_0, prepare, select_fn, kernels_fn, dequantize, quantize, dequantize_prepared});

}  // namespace
}  // namespace ryzen
