// Q6_K (256-element super-blocks, 6-bit codes - 32, 16 int8 sub-scales) weights. Two matmul
// layouts, chosen at prepare():
//  - "gguf": llama.cpp's block layout kept as is (mmap zero-copy), for CPUs without AVX2;
//  - "x16": repacked into 16-row tiles (formats/q6_k_x16.h) where AVX2 or AVX-512 is active.
// RYZEN_Q6_K_LAYOUT=gguf|x16 forces one (tests, benchmarks). Reference (de)quantization is
// bit-compatible with ggml-quants.c and always reads the on-disk bytes.
#include <cstring>
#include "core/fp16.h"
#include "formats/q6_k_x16.h"
#include "formats/x16_format.h"
#include "scalar/quant_ref.h"

namespace ryzen {
namespace {

constexpr int kLayout = q6kx16::kLayout;
const MatmulKernel k_scalar = gguf_kernel<ActKind::A256, &FormatKernels::q6_K, Isa::Scalar, kLayout>("q6_K.scalar");
const MatmulKernel k_avx2 = gguf_kernel<ActKind::A256, &FormatKernels::q6_K, Isa::Avx2, kLayout>("q6_K.avx2");
const MatmulKernel k_avx512 = gguf_kernel<ActKind::A256, &FormatKernels::q6_K, Isa::Avx512, kLayout>("q6_K.avx512");
const MatmulKernel k_x16_scalar = x16_kernel<Isa::Scalar, scalar::gemm_q6_K_x16, ActKind::A256, kLayout>("q6_K.x16.scalar", 0);
const MatmulKernel k_x16_avx2 = x16_kernel<Isa::Avx2, avx2::gemm_q6_K_x16, ActKind::A256, kLayout>("q6_K.x16.avx2", 0);
// prefill runs tile pairs
const MatmulKernel k_x16_avx512 = x16_kernel<Isa::Avx512, avx512::gemm_q6_K_x16, ActKind::A256, kLayout>("q6_K.x16.avx512", 32);

// On-disk super-block of a row (210 bytes): ql[128], qh[64], int8 scales[16], f16 d. Element
// e = 128h + 32w + l: low 4 bits in ql[64h + l + 32(w & 1)] (high nibble when w >= 2), high 2
// bits at 2w in qh[32h + l] (llama.cpp dequantize_row_q6_K).
void decode_row_x16(const uint8_t* src, int64_t r, int64_t K, uint8_t* codes, uint8_t* meta, int i) {
  const int64_t supers = q6kx16::supers(K);
  for (int64_t B = 0; B < supers; ++B, codes += 256, meta += q6kx16::kMetaBytes) {
    const uint8_t* blk = src + (r * supers + B) * kQ6_KBlock;
    for (int h = 0; h < 2; ++h)
      for (int l = 0; l < 32; ++l) {
        const uint8_t ql0 = blk[64 * h + l], ql1 = blk[64 * h + 32 + l], qh = blk[128 + 32 * h + l];
        uint8_t* c = codes + 128 * h + l;
        c[0] = (uint8_t)((ql0 & 15) | (qh & 3) << 4);
        c[32] = (uint8_t)((ql1 & 15) | ((qh >> 2) & 3) << 4);
        c[64] = (uint8_t)((ql0 >> 4) | ((qh >> 4) & 3) << 4);
        c[96] = (uint8_t)((ql1 >> 4) | ((qh >> 6) & 3) << 4);
      }
    for (int grp = 0; grp < 16; ++grp) meta[q6kx16::kScOffset + 16 * grp + i] = blk[192 + grp];
    std::memcpy(meta + 2 * i, blk + 208, 2);  // d
  }
}

// A super-block's 8 pieces of 32 columns.
void pack_super(const uint8_t* codes, int64_t stride, uint8_t* out) {
  for (int p = 0; p < 8; ++p) q6kx16::pack_piece(codes + 32 * p, stride, out + p * q6kx16::kPieceBytes);
}

const X16Format k_format = {DType::Q6_K, "RYZEN_Q6_K_LAYOUT", Isa::Avx2, kLayout, q6kx16::kTiles, decode_row_x16, pack_super,
                            {{&k_scalar, &k_avx2, &k_avx512}, &FormatKernels::q6_K},
                            {&k_x16_scalar, &k_x16_avx2, &k_x16_avx512}};

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void> owner,
             MatmulWeights& out, std::string& err) {
  return prepare_x16(k_format, src, src_bytes, rows, cols, std::move(owner), out, err);
}
const MatmulKernel* select_fn(Isa isa, int64_t, const MatmulWeights& w) { return select_x16(k_format, isa, w); }
int kernels_fn(Isa isa, const MatmulKernel** out, int max) { return list_x16(k_format, isa, out, max); }

void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  dequantize_blocks(dequantize_row_q6_K, 256, 210, src, src_bytes, first, count, dst);
}

// Row `row` of x16 weights, as dequantize_row_q6_K computes it: d * sc * (q - 32).
void dequantize_prepared(const MatmulWeights& w, int64_t row, float* dst) {
  const int64_t tile = row / q4x16::kTileRows, supers = q6kx16::supers(w.cols);
  const int i = (int)(row % q4x16::kTileRows);
  const uint8_t* codes = q6kx16::kTiles.tile_codes(w.data, w.cols, tile);
  const uint8_t* meta = q6kx16::kTiles.tile_meta(w.data, w.rows, w.cols, tile);
  for (int64_t B = 0; B < supers; ++B) {
    const uint8_t* m = meta + B * q6kx16::kMetaBytes;
    uint16_t dh;
    std::memcpy(&dh, m + 2 * i, 2);
    const float d = fp16_to_f32(dh);
    for (int e = 0; e < 256; ++e) {
      const uint8_t* piece = codes + B * q6kx16::kSuperCodeBytes + (e / 32) * q6kx16::kPieceBytes;
      const int8_t q = (int8_t)(q6kx16::code(piece, i, e % 32) - 32);
      dst[B * 256 + e] = d * (int8_t)m[q6kx16::kScOffset + 16 * (e / 16) + i] * q;
    }
  }
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t row_bytes = cols / 256 * 210;
  for (int64_t r = 0; r < rows; r++) quantize_row_q6_K(src + r * cols, dst + r * row_bytes, cols);
}

const RegisterWeightFormat reg({DType::Q6_K, prepare, select_fn, kernels_fn, dequantize, quantize, dequantize_prepared});

}  // namespace
}  // namespace ryzen
