// I2_S (bitnet.cpp's type 36, as in microsoft/bitnet-b1.58-2B-4T-gguf): 2-bit codes w+1 over the
// flattened tensor in blocks of 128 weights = 32 bytes; byte j of a block holds weights j, 32+j,
// 64+j, 96+j from the high bit pair down. One f32 scale for the whole tensor follows the codes in
// a 32-byte tail: bytes = n/4 + 32. Quantization follows bitnet.cpp's pipeline: latent weights get
// the converter's absmean rule (weight_quant: scale = mean|w|, codes = clamp(round(w/scale), -1, 1))
// then quantize_i2_s; weights that are already ternary ({0, +-g}) go through quantize_i2_s alone
// (scale = max|w| = g), as bitnet.cpp's llama-quantize does, so they come back exactly.
#include <cmath>
#include <cstring>
#include "formats/ternary_common.h"
#include "ternary/t3.h"

namespace ryzen {
namespace {

const int64_t kBlock = 128;

inline int code_at(const uint8_t* src, int64_t e) {
  const int64_t blk = e / kBlock, pos = e % kBlock;
  return (src[blk * 32 + pos % 32] >> (6 - 2 * (pos / 32))) & 3;
}

inline float tensor_scale(const uint8_t* src, int64_t n) {
  float s;
  std::memcpy(&s, src + n / 4, 4);
  return s;
}

bool read_row(const ternary::Reader& rd, int64_t r, int8_t* trits, float* scales, std::string& err) {
  const int64_t K = rd.cols;
  int bad = 0;
  if (K % kBlock == 0) {  // whole 128-weight blocks per row: decode 32 bytes at a time
    const uint8_t* src = rd.src + r * (K / 4);
    for (int64_t b = 0; b < K / kBlock; ++b)
      for (int g = 0; g < 4; ++g)
        for (int j = 0; j < 32; ++j) {
          const int c = (src[b * 32 + j] >> (6 - 2 * g)) & 3;
          bad |= c == 3;
          trits[b * kBlock + g * 32 + j] = (int8_t)(c - 1);
        }
  } else {
    for (int64_t k = 0; k < K; ++k) {
      const int c = code_at(rd.src, r * K + k);
      bad |= c == 3;
      trits[k] = (int8_t)(c - 1);
    }
  }
  if (bad) {
    for (int64_t k = 0; k < K; ++k)
      if (trits[k] == 2) {
        err = "i2_s: code 3 is not ternary (row " + std::to_string(r) + ", column " + std::to_string(k) + ")";
        return false;
      }
  }
  const float s = tensor_scale(rd.src, rd.rows * K);
  for (int64_t b = 0; b < t3::segments(K); ++b) scales[b] = s;
  return true;
}

bool prepare(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols, std::shared_ptr<void>,
             MatmulWeights& out, std::string& err) {
  if (rows <= 0 || cols <= 0 || (rows * cols) % kBlock != 0) {
    err = "i2_s: rows*cols must be a positive multiple of 128 (got " + std::to_string(rows) + "x" + std::to_string(cols) + ")";
    return false;
  }
  const int64_t want = rows * cols / 4 + 32;
  if (src_bytes != (size_t)want) {
    err = "i2_s: expected " + std::to_string(want) + " bytes (n/4 + 32), got " + std::to_string(src_bytes);
    return false;
  }
  ternary::Reader rd{src, src_bytes, rows, cols, read_row, true};
  if (!ternary::pack_ternary(rd, out, err)) return false;
  out.type = DType::I2_S;
  out.scale = tensor_scale(src, rows * cols);
  return true;
}

void dequantize(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst) {
  const int64_t n = ((int64_t)src_bytes - 32) * 4;
  const float s = tensor_scale(src, n);
  for (int64_t e = first; e < first + count; ++e) *dst++ = (float)(code_at(src, e) - 1) * s;
}

// bitnet.cpp's quantize_i2_s on weights that are already ternary ({0, +-g}, as its converter
// writes them): scale = max|w|, code 1 where |w| < 1e-6, else 2 / 0 by sign.
void store_codes(const float* src, int64_t n, uint8_t* dst, float scale, float (*ternary)(float, float), float s) {
  const bool tiny = std::fabs((double)scale) < 1e-6;
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float* w = src + b * kBlock;
    uint8_t* o = dst + b * 32;
    for (int g = 0; g < 4; ++g)
      for (int j = 0; j < 32; ++j) {
        const float t = ternary(w[g * 32 + j], s);
        const int code = (t == 0.0f || tiny) ? 1 : (t > 0.0f ? 2 : 0);
        o[j] = (uint8_t)(o[j] | (code << (6 - 2 * g)));
      }
  }
}

void quantize(const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t n = rows * cols;
  std::memset(dst, 0, n / 4 + 32);
  double acc = 0.0;
  float gamma = 0.0f;
  bool ternary_input = true;  // every non-zero |w| equal
  for (int64_t e = 0; e < n; ++e) {
    const float a = std::fabs(src[e]);
    acc += (double)a;
    if (a == 0.0f) continue;
    if (gamma == 0.0f) gamma = a;
    else if (a != gamma) ternary_input = false;
  }
  if (ternary_input && gamma > 0.0f) {
    // Already ternary: quantize_i2_s alone (no absmean), which reproduces the weights exactly.
    store_codes(src, n, dst, gamma, [](float w, float) { return std::fabs((double)w) < 1e-6 ? 0.0f : (w > 0 ? 1.0f : -1.0f); }, 0.0f);
    std::memcpy(dst + n / 4, &gamma, 4);
    return;
  }
  // Latent weights: the converter's weight_quant, s = 1 / max(mean|w|, 1e-5),
  // result = clamp(round_half_even(w*s), -1, 1) / s, then quantize_i2_s with scale = max|result|.
  // round(w*s) clamped to [-1,1] == round(clamp(w*s, -2, 2)) clamped, and the latter is in range
  // for the libm-free rounding.
  float mean = (float)(acc / (double)n);
  if (!(mean >= 1e-5f)) mean = 1e-5f;
  const float s = 1.0f / mean;
  auto ternary = [](float w, float sc) {
    float v = w * sc;
    v = v > 2.0f ? 2.0f : (v < -2.0f ? -2.0f : v);
    const float t = ternary::round_even_small(v);
    return t > 1.0f ? 1.0f : (t < -1.0f ? -1.0f : t);
  };
  float scale = 0.0f;
  for (int64_t e = 0; e < n; ++e)
    if (ternary(src[e], s) != 0.0f) {
      scale = 1.0f / s;
      break;
    }
  // |t/s| < 1e-6 <=> t == 0 or 1/s < 1e-6; the sign of t/s is the sign of t.
  store_codes(src, n, dst, 1.0f / s, ternary, s);
  std::memcpy(dst + n / 4, &scale, 4);
}

const MatmulKernel* select(Isa isa, int64_t n, const MatmulWeights& w) {
  return ternary::select_kernel(DType::I2_S, isa, n, w);
}
int kernels(Isa isa, const MatmulKernel** out, int max) { return ternary::list_kernels(DType::I2_S, isa, out, max); }

const RegisterWeightFormat reg({DType::I2_S, prepare, select, kernels, dequantize, quantize});

}  // namespace
}  // namespace ryzen
