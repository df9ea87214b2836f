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

const ternary::BlockCodec kCodec{DType::TQ2_0, kBlockBytes, 64, block_codes};

bool read_row(const ternary::Reader& rd, int64_t r, int8_t* trits, float* scales, std::string& err) {
  return ternary::read_block_row(kCodec, rd, r, trits, scales, err);
}

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void>,
             MatmulWeights& out, std::string& err) {
  return ternary::prepare_block_format(kCodec, read_row, src, src_bytes, rows, cols, out, err);
}

void dequantize(const uint8_t* src, size_t, int64_t first, int64_t count, float* dst) {
  ternary::dequantize_blocks(kCodec, src, first, count, dst);
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
