// Q4_K (256-element super-blocks, 8 sub-blocks with 6-bit scales and mins) weights. Two matmul
// layouts, chosen at prepare():
//  - "gguf": llama.cpp's block layout kept as is (mmap zero-copy), for CPUs without AVX2;
//  - "x16": repacked into 16-row tiles (formats/q4_k_x16.h) where AVX2 or AVX-512 is active.
// RYZEN_Q4_K_LAYOUT=gguf|x16 forces one (tests, benchmarks). Reference (de)quantization is
// bit-compatible with ggml-quants.c and always reads the on-disk bytes.
#include <cstring>
#include "core/fp16.h"
#include "formats/q4_k_x16.h"
#include "formats/x16_format.h"
#include "scalar/quant_ref.h"

namespace ryzen {
namespace {

constexpr int kLayout = q4kx16::kLayout;
const MatmulKernel k_scalar = gguf_kernel<ActKind::A256, &FormatKernels::q4_K, Isa::Scalar, kLayout>("q4_K.scalar");
const MatmulKernel k_avx2 = gguf_kernel<ActKind::A256, &FormatKernels::q4_K, Isa::Avx2, kLayout>("q4_K.avx2");
const MatmulKernel k_avx512 = gguf_kernel<ActKind::A256, &FormatKernels::q4_K, Isa::Avx512, kLayout>("q4_K.avx512");
const MatmulKernel k_x16_scalar = x16_kernel<Isa::Scalar, scalar::gemm_q4_K_x16, ActKind::A256, kLayout>("q4_K.x16.scalar", 0);
const MatmulKernel k_x16_avx2 = x16_kernel<Isa::Avx2, avx2::gemm_q4_K_x16, ActKind::A256, kLayout>("q4_K.x16.avx2", 0);
// prefill runs tile pairs
const MatmulKernel k_x16_avx512 = x16_kernel<Isa::Avx512, avx512::gemm_q4_K_x16, ActKind::A256, kLayout>("q4_K.x16.avx512", 32);

// On-disk super-block of a row (144 bytes): f16 d, f16 dmin, 12 bytes of packed 6-bit scales and
// mins, then qs[128]: byte 32p + l holds column 64p + l (low nibble) and 64p + 32 + l (high).
void decode_row_x16(const uint8_t* src, int64_t r, int64_t K, uint8_t* codes, uint8_t* meta, int i) {
  const int64_t supers = q4kx16::supers(K);
  for (int64_t B = 0; B < supers; ++B, codes += 256, meta += q4kx16::kMetaBytes) {
    const uint8_t* blk = src + (r * supers + B) * kQ4_KBlock;
    for (int p = 0; p < 4; ++p)
      for (int col = 0; col < 32; ++col) {
        const uint8_t byte = blk[16 + 32 * p + col];
        codes[64 * p + col] = byte & 15;
        codes[64 * p + 32 + col] = byte >> 4;
      }
    for (int j = 0; j < 8; ++j)
      q4k_scale_min(j, blk + 4, &meta[q4kx16::kScOffset + 16 * j + i], &meta[q4kx16::kMinOffset + 16 * j + i]);
    std::memcpy(meta + 2 * i, blk, 2);           // d
    std::memcpy(meta + 32 + 2 * i, blk + 2, 2);  // dmin
  }
}

// A super-block's 8 sub-blocks, each a Q4_0 x16 block.
void pack_super(const uint8_t* codes, int64_t stride, uint8_t* out) {
  for (int j = 0; j < 8; ++j) q4x16::pack_block(codes + 32 * j, stride, out + 256 * j);
}

const X16Format k_format = {DType::Q4_K, "RYZEN_Q4_K_LAYOUT", Isa::Avx2, kLayout, q4kx16::kTiles, decode_row_x16, pack_super,
                            {{&k_scalar, &k_avx2, &k_avx512}, &FormatKernels::q4_K},
                            {&k_x16_scalar, &k_x16_avx2, &k_x16_avx512}};

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void> owner,
             MatmulWeights& out, std::string& err) {
  return prepare_x16(k_format, src, src_bytes, rows, cols, std::move(owner), out, err);
}
const MatmulKernel* select_fn(Isa isa, int64_t, const MatmulWeights& w) { return select_x16(k_format, isa, w); }
int kernels_fn(Isa isa, const MatmulKernel** out, int max) { return list_x16(k_format, isa, out, max); }

void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  dequantize_blocks(dequantize_row_q4_K, 256, 144, src, src_bytes, first, count, dst);
}

// Row `row` of x16 weights, as dequantize_row_q4_K computes it: (d * sc) * q - dmin * m.
void dequantize_prepared(const MatmulWeights& w, int64_t row, float* dst) {
  const int64_t tile = row / q4x16::kTileRows, supers = q4kx16::supers(w.cols);
  const int i = (int)(row % q4x16::kTileRows);
  const uint8_t* codes = q4kx16::kTiles.tile_codes(w.data, w.cols, tile);
  const uint8_t* meta = q4kx16::kTiles.tile_meta(w.data, w.rows, w.cols, tile);
  for (int64_t B = 0; B < supers; ++B) {
    const uint8_t* m = meta + B * q4kx16::kMetaBytes;
    uint16_t dh, mh;
    std::memcpy(&dh, m + 2 * i, 2);
    std::memcpy(&mh, m + 32 + 2 * i, 2);
    const float d = fp16_to_f32(dh), min = fp16_to_f32(mh);
    for (int j = 0; j < 8; ++j) {
      const float d1 = d * m[q4kx16::kScOffset + 16 * j + i], m1 = min * m[q4kx16::kMinOffset + 16 * j + i];
      for (int col = 0; col < 32; ++col) {
        dst[B * 256 + 32 * j + col] = d1 * q4x16::nibble(codes + B * q4kx16::kSuperCodeBytes + 256 * j, i, col) - m1;
      }
    }
  }
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t row_bytes = cols / 256 * 144;
  for (int64_t r = 0; r < rows; r++) quantize_row_q4_K(src + r * cols, dst + r * row_bytes, cols);
}

const RegisterWeightFormat reg({DType::Q4_K, prepare, select_fn, kernels_fn, dequantize, quantize, dequantize_prepared});

}  // namespace
}  // namespace ryzen
