// Portable IEEE half / bfloat16 <-> float conversions (no SIMD flags; ISA code may use F16C instead).
#pragma once
#include <cstdint>
#include <cstring>

namespace ryzen {

static inline float f32_from_bits(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline uint32_t f32_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

static inline float fp16_to_f32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  if (exp == 0) {  // zero / subnormal: man * 2^-24
    float v = (float)man * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  if (exp == 31) return f32_from_bits(sign | 0x7f800000u | (man << 13));  // inf / nan
  return f32_from_bits(sign | ((exp + 112) << 23) | (man << 13));
}

// Round to nearest even, like ggml's GGML_FP32_TO_FP16 / F16C.
static inline uint16_t f32_to_fp16(float f) {
  const uint32_t x = f32_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0));
  if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);  // overflow -> inf
  if (absx < 0x38800000u) {  // subnormal half or zero
    const float a = f32_from_bits(absx);
    // a * 2^24 rounded to nearest even integer = subnormal mantissa
    float m = a * 16777216.0f;
    uint32_t r = (uint32_t)m;
    float frac = m - (float)r;
    if (frac > 0.5f || (frac == 0.5f && (r & 1))) r++;
    return (uint16_t)(sign | r);
  }
  uint32_t mant = absx + 0xfff + ((absx >> 13) & 1);  // round to nearest even
  mant -= 0x38000000u;                                 // rebias exponent 127 -> 15
  return (uint16_t)(sign | (mant >> 13));
}

static inline float bf16_to_f32(uint16_t h) { return f32_from_bits((uint32_t)h << 16); }
static inline uint16_t f32_to_bf16(float f) {  // round to nearest even, quiet NaN preserved
  uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 64);
  return (uint16_t)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

}  // namespace ryzen
