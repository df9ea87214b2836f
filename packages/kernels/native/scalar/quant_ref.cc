// Reference quantizers, written from the definitions in llama.cpp's ggml-quants.c (the same
// operations in the same order, so results are bit-identical). Comments name the reference
// function each piece corresponds to.
#include "quant_ref.h"
#include <cmath>
#include <cstring>
#include "core/fp16.h"
#include "quant_kernels.h"

namespace ryzen {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // GROUP_MAX_EPS

inline void put_f16(uint8_t* p, float v) {
  const uint16_t h = f32_to_fp16(v);
  p[0] = (uint8_t)(h & 0xff);
  p[1] = (uint8_t)(h >> 8);
}
inline float get_f16(const uint8_t* p) { return fp16_to_f32((uint16_t)(p[0] | (p[1] << 8))); }

// nearest_int: round to nearest even through the 1.5*2^23 magic constant (exactly as ggml does,
// including its behaviour outside +-2^22).
inline int nearest_int(float fval) {
  const float val = fval + 12582912.f;
  int i;
  std::memcpy(&i, &val, sizeof(int));
  return (i & 0x007fffff) - 0x00400000;
}

inline int imax(int a, int b) { return a > b ? a : b; }
inline int imin(int a, int b) { return a < b ? a : b; }

// make_qx_quants with qw == NULL (the only use by the reference quantizers here).
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type) {
  float max = 0;
  float amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) { amax = ax; max = x[i]; }
  }
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  float iscale = -nmax / max;
  if (rmse_type == 0) {
    for (int i = 0; i < n; ++i) {
      const int l = nearest_int(iscale * x[i]);
      L[i] = (int8_t)(nmax + imax(-nmax, imin(nmax - 1, l)));
    }
    return 1 / iscale;
  }
  bool return_early = false;
  if (rmse_type < 0) {
    rmse_type = -rmse_type;
    return_early = true;
  }
  auto weight = [&](int i) -> float {
    return rmse_type == 1 ? x[i] * x[i] : rmse_type == 2 ? 1 : rmse_type == 3 ? std::fabs(x[i]) : std::sqrt(std::fabs(x[i]));
  };
  float sumlx = 0;
  float suml2 = 0;
  for (int i = 0; i < n; ++i) {
    int l = nearest_int(iscale * x[i]);
    l = imax(-nmax, imin(nmax - 1, l));
    L[i] = (int8_t)(l + nmax);
    const float w = weight(i);
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  if (return_early) return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale * x[i]);
      l = imax(-nmax, imin(nmax - 1, l));
      const float w = weight(i);
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        const int l = nearest_int(iscale * x[i]);
        L[i] = (int8_t)(nmax + imax(-nmax, imin(nmax - 1, l)));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// make_qkx2_quants
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad) {
  float min = x[0];
  float max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = nearest_int(iscale * (x[i] - min));
    L[i] = (uint8_t)imax(0, imin(nmax, l));
    float diff = scale * L[i] + min - x[i];
    diff = use_mad ? std::fabs(diff) : diff * diff;
    best_error += weights[i] * diff;
  }
  if (nstep < 1) {
    *the_min = -min;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale * (x[i] - min));
      l = imax(0, imin(nmax, l));
      Laux[i] = (uint8_t)l;
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        cur_error += weights[i] * diff;
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

}  // namespace

// quantize_row_q8_0_ref
void quantize_row_q8_0(const float* x, uint8_t* y, int64_t k) {
  for (int64_t i = 0; i < k / 32; i++, x += 32, y += kQ8_0Block) {
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / ((1 << 7) - 1);
    const float id = d ? 1.0f / d : 0.0f;
    put_f16(y, d);
    for (int j = 0; j < 32; ++j) y[2 + j] = (uint8_t)(int8_t)std::roundf(x[j] * id);
  }
}

// quantize_row_q4_0_ref
void quantize_row_q4_0(const float* x, uint8_t* y, int64_t k) {
  for (int64_t i = 0; i < k / 32; i++, x += 32, y += kQ4_0Block) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; j++) {
      const float v = x[j];
      if (amax < std::fabs(v)) { amax = std::fabs(v); max = v; }
    }
    const float d = max / -8;
    const float id = d ? 1.0f / d : 0.0f;
    put_f16(y, d);
    for (int j = 0; j < 16; ++j) {
      const float x0 = x[j] * id;
      const float x1 = x[16 + j] * id;
      const uint8_t xi0 = (uint8_t)imin(15, (int8_t)(x0 + 8.5f));
      const uint8_t xi1 = (uint8_t)imin(15, (int8_t)(x1 + 8.5f));
      y[2 + j] = (uint8_t)(xi0 | (xi1 << 4));
    }
  }
}

// quantize_row_q4_K_ref
void quantize_row_q4_K(const float* x, uint8_t* y, int64_t k) {
  uint8_t L[256];
  uint8_t Laux[32];
  float weights[32];
  float mins[8];
  float scales[8];
  for (int64_t i = 0; i < k / 256; i++, x += 256, y += kQ4_KBlock) {
    uint8_t* ysc = y + 4;
    uint8_t* yq = y + 16;
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
      float sum_x2 = 0;
      for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
      const float av_x = std::sqrt(sum_x2 / 32);
      for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
      scales[j] = make_qkx2_quants(32, 15, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, -1.f, 0.1f, 20, false);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    std::memset(ysc, 0, 12);
    for (int j = 0; j < 8; ++j) {
      uint8_t ls = (uint8_t)nearest_int(inv_scale * scales[j]);
      uint8_t lm = (uint8_t)nearest_int(inv_min * mins[j]);
      ls = ls < 63 ? ls : 63;
      lm = lm < 63 ? lm : 63;
      if (j < 4) {
        ysc[j] = ls;
        ysc[j + 4] = lm;
      } else {
        ysc[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
        ysc[j - 4] |= (uint8_t)((ls >> 4) << 6);
        ysc[j - 0] |= (uint8_t)((lm >> 4) << 6);
      }
    }
    put_f16(y, max_scale / 63.f);
    put_f16(y + 2, max_min / 63.f);
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, m;
      q4k_scale_min(j, ysc, &sc, &m);
      const float d = get_f16(y) * sc;
      if (!d) continue;
      const float dm = get_f16(y + 2) * m;
      for (int ii = 0; ii < 32; ++ii) {
        const int l = nearest_int((x[32 * j + ii] + dm) / d);
        L[32 * j + ii] = (uint8_t)imax(0, imin(15, l));
      }
    }
    for (int j = 0; j < 256; j += 64)
      for (int l = 0; l < 32; ++l) yq[j / 2 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 4));
  }
}

// quantize_row_q6_K_ref
void quantize_row_q6_K(const float* x, uint8_t* y, int64_t k) {
  int8_t L[256];
  float scales[16];
  for (int64_t i = 0; i < k / 256; i++, x += 256, y += kQ6_KBlock) {
    uint8_t* ql = y;
    uint8_t* qh = y + 128;
    int8_t* ysc = (int8_t*)(y + 192);
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < 16; ++ib) {
      const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1);
      scales[ib] = scale;
      const float abs_scale = std::fabs(scale);
      if (abs_scale > max_abs_scale) {
        max_abs_scale = abs_scale;
        max_scale = scale;
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(y, 0, kQ6_KBlock);
      continue;
    }
    const float iscale = -128.f / max_scale;
    put_f16(y + 208, 1 / iscale);
    for (int ib = 0; ib < 16; ++ib) ysc[ib] = (int8_t)imin(127, nearest_int(iscale * scales[ib]));
    for (int j = 0; j < 16; ++j) {
      const float d = get_f16(y + 208) * ysc[j];
      if (!d) continue;
      for (int ii = 0; ii < 16; ++ii) {
        int l = nearest_int(x[16 * j + ii] / d);
        l = imax(-32, imin(31, l));
        L[16 * j + ii] = (int8_t)(l + 32);
      }
    }
    for (int j = 0; j < 256; j += 128) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t q1 = L[j + l + 0] & 0xF;
        const uint8_t q2 = L[j + l + 32] & 0xF;
        const uint8_t q3 = L[j + l + 64] & 0xF;
        const uint8_t q4 = L[j + l + 96] & 0xF;
        ql[l + 0] = (uint8_t)(q1 | (q3 << 4));
        ql[l + 32] = (uint8_t)(q2 | (q4 << 4));
        qh[l] = (uint8_t)((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                          ((L[j + l + 96] >> 4) << 6));
      }
      ql += 64;
      qh += 32;
    }
  }
}

void dequantize_row_q8_0(const uint8_t* x, float* y, int64_t k) {
  for (int64_t i = 0; i < k / 32; i++, x += kQ8_0Block, y += 32) {
    const float d = get_f16(x);
    for (int j = 0; j < 32; ++j) y[j] = (int8_t)x[2 + j] * d;
  }
}

void dequantize_row_q4_0(const uint8_t* x, float* y, int64_t k) {
  for (int64_t i = 0; i < k / 32; i++, x += kQ4_0Block, y += 32) {
    const float d = get_f16(x);
    for (int j = 0; j < 16; ++j) {
      y[j] = ((x[2 + j] & 0x0F) - 8) * d;
      y[j + 16] = ((x[2 + j] >> 4) - 8) * d;
    }
  }
}

void dequantize_row_q4_K(const uint8_t* x, float* y, int64_t k) {
  for (int64_t i = 0; i < k / 256; i++, x += kQ4_KBlock) {
    const float d = get_f16(x), min = get_f16(x + 2);
    const uint8_t* q = x + 16;
    for (int j = 0, is = 0; j < 256; j += 64, q += 32, is += 2) {
      uint8_t sc, m;
      q4k_scale_min(is + 0, x + 4, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      q4k_scale_min(is + 1, x + 4, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void dequantize_row_q6_K(const uint8_t* x, float* y, int64_t k) {
  for (int64_t i = 0; i < k / 256; i++, x += kQ6_KBlock) {
    const float d = get_f16(x + 208);
    const uint8_t* ql = x;
    const uint8_t* qh = x + 128;
    const int8_t* sc = (const int8_t*)(x + 192);
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int8_t q1 = (int8_t)((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int8_t q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int8_t q3 = (int8_t)((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int8_t q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l + 0] = d * sc[is + 0] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

}  // namespace ryzen
