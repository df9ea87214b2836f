// Q4_0 (32 4-bit codes - 8, f16 scale per block) weights. Two matmul layouts, chosen at prepare():
//  - "gguf": llama.cpp's block layout kept as is (mmap zero-copy), for CPUs without AVX2;
//  - "x16": repacked into 16-row tiles (formats/q4_0_x16.h) where AVX2 or AVX-512 is active:
//    unsigned codes feed vpdpbusd / vpmaddubsw directly, with no per-token sign fix-up.
// RYZEN_Q4_0_LAYOUT=gguf|x16 forces one (tests, benchmarks). Reference (de)quantization is
// bit-compatible with ggml-quants.c and always reads the on-disk bytes.
#include <cstring>
#include "formats/q4_0_x16.h"
#include "formats/x16_format.h"
#include "scalar/quant_ref.h"

namespace ryzen {
namespace {

constexpr int kLayout = q4x16::kLayout;
const MatmulKernel k_scalar = gguf_kernel<ActKind::A32, &FormatKernels::q4_0, Isa::Scalar, kLayout>("q4_0.scalar");
const MatmulKernel k_avx2 = gguf_kernel<ActKind::A32, &FormatKernels::q4_0, Isa::Avx2, kLayout>("q4_0.avx2");
const MatmulKernel k_avx512 = gguf_kernel<ActKind::A32, &FormatKernels::q4_0, Isa::Avx512, kLayout>("q4_0.avx512");
const MatmulKernel k_x16_scalar = x16_kernel<Isa::Scalar, scalar::gemm_q4_0_x16, ActKind::A32, kLayout>("q4_0.x16.scalar", 0);
const MatmulKernel k_x16_avx2 = x16_kernel<Isa::Avx2, avx2::gemm_q4_0_x16, ActKind::A32, kLayout>("q4_0.x16.avx2", 0);
// prefill runs tile pairs
const MatmulKernel k_x16_avx512 = x16_kernel<Isa::Avx512, avx512::gemm_q4_0_x16, ActKind::A32, kLayout>("q4_0.x16.avx512", 32);

// On-disk block b of row r: f16 d, then qs[16] with column j in the low nibble of qs[j] and
// column j + 16 in the high nibble.
void decode_row_x16(const uint8_t* src, int64_t r, int64_t K, uint8_t* codes, uint8_t* meta, int i) {
  const int64_t blocks = K / 32;
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* blk = src + (r * blocks + b) * kQ4_0Block;
    for (int j = 0; j < 16; ++j) {
      codes[32 * b + j] = blk[2 + j] & 15;
      codes[32 * b + 16 + j] = blk[2 + j] >> 4;
    }
    std::memcpy(meta + b * q4x16::kBlockScaleBytes + 2 * i, blk, 2);
  }
}

const X16Format k_format = {DType::Q4_0, "RYZEN_Q4_0_LAYOUT", Isa::Avx2, kLayout,
                            q4x16::kTiles, decode_row_x16, q4x16::pack_block,
                            {{&k_scalar, &k_avx2, &k_avx512}, &FormatKernels::q4_0},
                            {&k_x16_scalar, &k_x16_avx2, &k_x16_avx512}};

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void> owner,
             MatmulWeights& out, std::string& err) {
  return prepare_x16(k_format, src, src_bytes, rows, cols, std::move(owner), out, err);
}
const MatmulKernel* select_fn(Isa isa, int64_t, const MatmulWeights& w) { return select_x16(k_format, isa, w); }
int kernels_fn(Isa isa, const MatmulKernel** out, int max) { return list_x16(k_format, isa, out, max); }

void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  dequantize_blocks(dequantize_row_q4_0, 32, 18, src, src_bytes, first, count, dst);
}

// Row `row` of x16 weights, as dequantize_row_q4_0 computes it: (q - 8) * d.
void dequantize_prepared(const MatmulWeights& w, int64_t row, float* dst) {
  q4x16::dequantize_row<q4x16::nibble>(q4x16::kTiles, 8, w.data, w.rows, w.cols, row, dst);
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t row_bytes = cols / 32 * 18;
  for (int64_t r = 0; r < rows; r++) quantize_row_q4_0(src + r * cols, dst + r * row_bytes, cols);
}

const RegisterWeightFormat reg({DType::Q4_0, prepare, select_fn, kernels_fn, dequantize, quantize, dequantize_prepared});

}  // namespace
}  // namespace ryzen
