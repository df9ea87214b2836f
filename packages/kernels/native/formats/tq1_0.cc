// TQ1_0 (ggml type 34): blocks of 256 weights = 48 bytes of base-3 packed trits (5 per byte),
// 4 bytes holding 4 trits each, then an f16 scale (54 bytes). A byte stores its digits as a
// fixed-point fraction of 3^5: digit n (most significant first) = ((uint8)(q * 3^n) * 3) >> 8.
// Element order (llama.cpp dequantize_row_tq1_0): qs[0..31] digit n -> element 32n + m;
// qs[32..47] digit n -> 160 + 16n + m; qh[j] digit n (n < 4) -> 240 + 4n + j.
#include <cmath>
#include <cstring>
#include "core/fp16.h"
#include "formats/ternary_common.h"

namespace ryzen {
namespace {

const int64_t kBlock = 256, kBlockBytes = 54;
const uint8_t kPow3[6] = {1, 3, 9, 27, 81, 243};

inline int digit(uint8_t q, int n) { return ((uint16_t)(uint8_t)(q * kPow3[n]) * 3) >> 8; }

// Digits (0..2) of one block in element order.
inline void block_digits(const uint8_t* b, uint8_t* out) {
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 32; ++m) out[32 * n + m] = (uint8_t)digit(b[m], n);
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 16; ++m) out[160 + 16 * n + m] = (uint8_t)digit(b[32 + m], n);
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 4; ++j) out[240 + 4 * n + j] = (uint8_t)digit(b[48 + j], n);
}

const ternary::BlockCodec kCodec{DType::TQ1_0, kBlockBytes, 52, block_digits};

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

// Pack digits (0..2, most significant first) as ceil(value * 256 / 243).
inline uint8_t pack_digits(const int* xi, int count, int pad_digits) {
  uint8_t q = 0;
  for (int n = 0; n < count; ++n) q = (uint8_t)(q * 3 + xi[n]);
  for (int n = 0; n < pad_digits; ++n) q = (uint8_t)(q * 3);
  return (uint8_t)(((uint16_t)q * 256 + (243 - 1)) / 243);
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t nb = rows * cols / kBlock;
  for (int64_t b = 0; b < nb; ++b, src += kBlock, dst += kBlockBytes) {
    float amax = 0.0f;
    for (int k = 0; k < kBlock; ++k) amax = std::max(amax, std::fabs(src[k]));
    const float id = amax != 0.0f ? 1.0f / amax : 0.0f;
    auto code = [&](int64_t e) { return ternary::round_away(src[e] * id) + 1; };
    int xi[5];
    for (int m = 0; m < 32; ++m) {
      for (int n = 0; n < 5; ++n) xi[n] = code(32 * n + m);
      dst[m] = pack_digits(xi, 5, 0);
    }
    for (int m = 0; m < 16; ++m) {
      for (int n = 0; n < 5; ++n) xi[n] = code(160 + 16 * n + m);
      dst[32 + m] = pack_digits(xi, 5, 0);
    }
    for (int j = 0; j < 4; ++j) {
      for (int n = 0; n < 4; ++n) xi[n] = code(240 + 4 * n + j);
      dst[48 + j] = pack_digits(xi, 4, 1);
    }
    const uint16_t h = f32_to_fp16(amax);
    std::memcpy(dst + 52, &h, 2);
  }
}

const MatmulKernel* select(Isa isa, int64_t n, const MatmulWeights& w) {
  return ternary::select_kernel(DType::TQ1_0, isa, n, w);
}
int kernels(Isa isa, const MatmulKernel** out, int max) { return ternary::list_kernels(DType::TQ1_0, isa, out, max); }

const RegisterWeightFormat reg({DType::TQ1_0, prepare, select, kernels, dequantize, quantize});

}  // namespace
}  // namespace ryzen
