// TQ2_0 (ggml type 35): blocks of 256 weights = 64 bytes of 2-bit codes (w+1) + f16 scale.
// Within a block, byte 32*j/32.. : for half j (0,1), byte m (0..31) holds weights 128j + 32l + m
// at bits 2l..2l+1 (l = 0..3). Matches llama.cpp quantize_row_tq2_0_ref / dequantize_row_tq2_0.
#include <cmath>
#include <cstring>
#include "core/fp16.h"
#include "formats/ternary_common.h"

namespace ryzen {
namespace {

const int64_t kBlock = 256, kBlockBytes = 66;

// codes[256] of one block, in element order.
inline void block_codes(const uint8_t* b, uint8_t* codes) {
  for (int j = 0; j < 2; ++j)
    for (int l = 0; l < 4; ++l)
      for (int m = 0; m < 32; ++m) codes[j * 128 + l * 32 + m] = (b[j * 32 + m] >> (2 * l)) & 3;
}

bool read_row(const ternary::Reader& rd, int64_t r, int8_t* trits, float* scales, std::string& err) {
  const int64_t nb = rd.cols / kBlock;
  uint8_t codes[kBlock];
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = rd.src + (r * nb + b) * kBlockBytes;
    block_codes(blk, codes);
    int bad = 0;
    for (int k = 0; k < kBlock; ++k) {
      bad |= codes[k] == 3;
      trits[b * kBlock + k] = (int8_t)(codes[k] - 1);
    }
    if (bad) {
      for (int k = 0; k < kBlock; ++k)
        if (codes[k] == 3) {
          err = "tq2_0: code 3 is not ternary (row " + std::to_string(r) + ", column " + std::to_string(b * kBlock + k) + ")";
          return false;
        }
    }
    uint16_t h;
    std::memcpy(&h, blk + 64, 2);
    scales[b] = fp16_to_f32(h);
  }
  return true;
}

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void>,
             MatmulWeights& out, std::string& err) {
  return ternary::prepare_block_format(DType::TQ2_0, kBlockBytes, read_row, src, src_bytes, rows, cols, out, err);
}

void dequantize(const uint8_t* src, size_t, int64_t first, int64_t count, float* dst) {
  uint8_t codes[kBlock];
  for (int64_t b = first / kBlock; b < (first + count) / kBlock; ++b) {
    const uint8_t* blk = src + b * kBlockBytes;
    uint16_t h;
    std::memcpy(&h, blk + 64, 2);
    const float d = fp16_to_f32(h);
    block_codes(blk, codes);
    for (int k = 0; k < kBlock; ++k) *dst++ = (float)((int)codes[k] - 1) * d;
  }
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t nb = rows * cols / kBlock;
  for (int64_t b = 0; b < nb; ++b, src += kBlock, dst += kBlockBytes) {
    float amax = 0.0f;
    for (int k = 0; k < kBlock; ++k) amax = std::max(amax, std::fabs(src[k]));
    const float id = amax != 0.0f ? 1.0f / amax : 0.0f;
    std::memset(dst, 0, 64);
    for (int j = 0; j < 2; ++j)
      for (int m = 0; m < 32; ++m)
        for (int l = 0; l < 4; ++l) {
          const int xi = ternary::round_away(src[j * 128 + l * 32 + m] * id) + 1;
          dst[j * 32 + m] = (uint8_t)(dst[j * 32 + m] + ((xi & 3) << (2 * l)));
        }
    const uint16_t h = f32_to_fp16(amax);
    std::memcpy(dst + 64, &h, 2);
  }
}

const MatmulKernel* select(Isa isa, int64_t n, const MatmulWeights& w) {
  return ternary::select_kernel(DType::TQ2_0, isa, n, w);
}
int kernels(Isa isa, const MatmulKernel** out, int max) { return ternary::list_kernels(DType::TQ2_0, isa, out, max); }

const RegisterWeightFormat reg({DType::TQ2_0, prepare, select, kernels, dequantize, quantize});

}  // namespace
}  // namespace ryzen
