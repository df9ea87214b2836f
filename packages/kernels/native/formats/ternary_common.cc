#include "formats/ternary_common.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>
#include "core/fp16.h"
#include "core/isa.h"
#include "core/memory.h"
#include "core/parallel.h"
#include "ternary/kernels.h"
#include "ternary/t2.h"
#include "ternary/t3.h"

namespace ryzen {

namespace t3 {
uint64_t g_decode6[1024];
}

namespace ternary {
namespace {

struct DecodeTableInit {
  DecodeTableInit() {
    for (int idx = 0; idx < 1024; ++idx) {
      uint64_t six = 0;
      for (int h = 0; h < 2; ++h) {
        const int m = (idx >> (4 * h)) & 15;
        const bool neg = (idx >> (8 + h)) & 1;
        for (int p = 0; p < 3; ++p) {
          int t = m < 14 ? t3::trit_of(m, p) : 0;
          if (neg) t = -t;
          six |= (uint64_t)(uint8_t)(t + 1) << (8 * (3 * h + p));
        }
      }
      t3::g_decode6[idx] = six;
    }
  }
} g_decode_init;

// ---------------- packing ----------------

// One segment of 16 rows: per row and group, the T3 magnitude |v| and sign (v < 0) of the group
// value v = 9 t0 + 3 t1 + t2 (the last group holds weight 255 and two zero pads; groups 86, 87 are
// padding).
struct SegmentGroups {
  uint8_t mag[16][t3::kGroupsPerSeg];
  uint8_t neg[16][t3::kGroupsPerSeg];
};

void segment_groups(const int8_t* trits, int64_t Kp, int64_t s, SegmentGroups& sg) {
  for (int i = 0; i < 16; ++i) {
    const int8_t* t = trits + i * Kp + s * t3::kSegK;
    int8_t v[t3::kGroupsPerSeg];
    for (int g = 0; g < 85; ++g) v[g] = (int8_t)(9 * t[3 * g] + 3 * t[3 * g + 1] + t[3 * g + 2]);
    v[85] = (int8_t)(9 * t[255]);
    v[86] = v[87] = 0;
    for (int g = 0; g < t3::kGroupsPerSeg; ++g) {
      sg.mag[i][g] = (uint8_t)(v[g] < 0 ? -v[g] : v[g]);
      sg.neg[i][g] = (uint8_t)(v[g] < 0);
    }
  }
}

// Branch-free: the signs of random weights defeat branch prediction (a branch per group made
// packing ~5x slower).
void pack_tile(const int8_t* trits, int64_t Kp, uint8_t* codes, int64_t rows, int64_t tile) {
  const int64_t segs = Kp / t3::kSegK;
  SegmentGroups sg;
  for (int64_t s = 0; s < segs; ++s) {
    segment_groups(trits, Kp, s, sg);
    uint8_t* seg = codes + t3::seg_offset(rows, Kp, tile, s);
    for (int st = 0; st < t3::kStepsPerSeg; ++st) {
      uint8_t* step = seg + st * t3::kStepBytes;
      uint64_t sign[2] = {0, 0};
      for (int i = 0; i < 16; ++i)
        for (int L = 0; L < 4; ++L) {
          const int g = st * 8 + 2 * L;
          step[4 * i + L] = (uint8_t)(sg.mag[i][g] | sg.mag[i][g + 1] << 4);
          sign[0] |= (uint64_t)sg.neg[i][g] << (4 * i + L);
          sign[1] |= (uint64_t)sg.neg[i][g + 1] << (4 * i + L);
        }
      std::memcpy(step + 64, sign, 16);
    }
  }
}

}  // namespace

namespace {

// Where the repacked codes and scales go: T3 tiles or T2 rows (t2.h).
struct PackTarget {
  bool t2;
  uint8_t* codes;
  float* scales;  // T3: [tiles][segments][16]; T2: [rows][segments]; null for a per-tensor scale
};

// T2 codes of one row (trits padded to Kp with zeros), each byte written once.
void pack_t2_row(const int8_t* trits, int64_t Kp, uint8_t* out) {
  for (int64_t s = 0; s < Kp / t3::kSegK; ++s)
    for (int b = 0; b < t2::kSegBytes; ++b) {
      const int8_t* t = trits + s * t3::kSegK + b;
      out[s * t2::kSegBytes + b] = (uint8_t)((t[0] + 1) | (t[64] + 1) << 2 | (t[128] + 1) << 4 | (t[192] + 1) << 6);
    }
}

// One thread's share of the repacking: tiles [t0, t1).
struct PackPart {
  bool ok = true, uniform = true, have_scale = false;
  float common = 0.0f, any_scale = 0.0f;
  std::string err;
};

void pack_tiles(const Reader& rd, const PackTarget& to, int64_t t0, int64_t t1, PackPart& part) {
  const int64_t rows = rd.rows, K = rd.cols, segs = t3::segments(K), Kp = segs * t3::kSegK;
  std::vector<int8_t> trits(16 * Kp);
  std::vector<float> row_scales(segs);
  for (int64_t tile = t0; tile < t1; ++tile) {
    const int rows_here = (int)std::min<int64_t>(16, rows - tile * 16);
    if (rows_here < 16) std::fill(trits.begin() + rows_here * Kp, trits.end(), 0);
    for (int i = 0; i < rows_here; ++i) {
      const int64_t r = tile * 16 + i;
      int8_t* row = trits.data() + i * Kp;
      if (!rd.row(rd, r, row, row_scales.data(), part.err)) {
        part.ok = false;
        return;
      }
      std::fill(row + K, row + Kp, 0);
      part.any_scale = row_scales[0];
      for (int64_t s = 0; s < segs; ++s) {
        if (to.scales) to.scales[to.t2 ? r * segs + s : (tile * segs + s) * 16 + i] = row_scales[s];
        int nonzero = 0;
        for (int k = 0; k < t3::kSegK; ++k) nonzero |= row[s * t3::kSegK + k];
        if (!nonzero) continue;  // an all-zero block's scale is irrelevant
        if (!part.have_scale) {
          part.common = row_scales[s];
          part.have_scale = true;
        } else if (std::memcmp(&part.common, &row_scales[s], 4) != 0) {
          part.uniform = false;
        }
      }
      if (to.t2) pack_t2_row(row, Kp, to.codes + r * t2::row_bytes(K));
    }
    if (!to.t2) pack_tile(trits.data(), Kp, to.codes, rows, tile);
  }
}

// T2 where its multiply-add GEMV wins: AVX2 without AVX-512; AVX-512 with AMX tiles (Xeon, BitNet
// 2B, T2 against T3: decode +6-8 %, prefill about equal); and Intel AVX-512 without AMX, where T3's
// lookup GEMV is bound by its one-port byte permutes (the same Xeon with RYZEN_AMX=0, 2 alternating
// rounds: decode +8-13 % at 1 and 2 threads, prefill about equal). T3 on AMD's AVX-512 CPUs (Zen
// 4/5): their lookup GEMV was measured at 85-90 % of the bandwidth with 16 % fewer bytes than T2
// (T2 not measured there yet). RYZEN_TERNARY_LAYOUT=t2|t3 forces one (tests, benchmarks).
bool use_t2() {
  if (const char* e = std::getenv("RYZEN_TERNARY_LAYOUT")) {
    if (!std::strcmp(e, "t2")) return true;
    if (!std::strcmp(e, "t3")) return false;
  }
  const Isa isa = active_isa();
  if (isa == Isa::Avx2) return true;
  return isa == Isa::Avx512 && (amx_ready() || cpu_features().vendor != "AuthenticAMD");
}

}  // namespace

bool read_block_row(const BlockCodec& c, const Reader& rd, int64_t r, int8_t* trits, float* scales, std::string& err) {
  const int64_t nb = rd.cols / 256;
  uint8_t codes[256];
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = rd.src + (r * nb + b) * c.bytes;
    c.codes(blk, codes);
    int bad = 0;
    for (int k = 0; k < 256; ++k) {
      bad |= codes[k] == 3;
      trits[b * 256 + k] = (int8_t)(codes[k] - 1);
    }
    if (bad) {
      for (int k = 0; k < 256; ++k)
        if (codes[k] == 3) {
          err = std::string(dtype_traits((int32_t)c.type).name) + ": code 3 is not ternary (row " + std::to_string(r) +
                ", column " + std::to_string(b * 256 + k) + ")";
          return false;
        }
    }
    uint16_t h;
    std::memcpy(&h, blk + c.scale_at, 2);
    scales[b] = fp16_to_f32(h);
  }
  return true;
}

void dequantize_blocks(const BlockCodec& c, const uint8_t* src, int64_t first, int64_t count, float* dst) {
  uint8_t codes[256];
  for (int64_t b = first / 256; b < (first + count) / 256; ++b) {
    const uint8_t* blk = src + b * c.bytes;
    uint16_t h;
    std::memcpy(&h, blk + c.scale_at, 2);
    const float d = fp16_to_f32(h);
    c.codes(blk, codes);
    for (int k = 0; k < 256; ++k) *dst++ = (float)((int)codes[k] - 1) * d;
  }
}

bool prepare_block_format(const BlockCodec& c, decltype(Reader::row) row, const uint8_t* src, size_t src_bytes,
                          int64_t rows, int64_t cols, MatmulWeights& out, std::string& err) {
  const std::string name = dtype_traits((int32_t)c.type).name;
  if (rows <= 0 || cols <= 0 || cols % 256 != 0) {
    err = name + ": cols must be a positive multiple of 256 (got " + std::to_string(cols) + ")";
    return false;
  }
  const int64_t want = rows * (cols / 256) * c.bytes;
  if (src_bytes != (size_t)want) {
    err = name + ": expected " + std::to_string(want) + " bytes, got " + std::to_string(src_bytes);
    return false;
  }
  Reader rd{src, src_bytes, rows, cols, row, false};
  if (!pack_ternary(rd, out, err)) return false;
  out.type = c.type;
  return true;
}

bool pack_ternary(const Reader& rd, MatmulWeights& out, std::string& err) {
  const int64_t rows = rd.rows, K = rd.cols;
  if (rows <= 0 || K <= 0) {
    err = "ternary matmul weights need rows > 0 and cols > 0";
    return false;
  }
  if (K > 65536) {  // the MAD kernels decode a 16-row tile on the stack (16 x K bytes)
    err = "ternary matmul weights support at most 65536 columns (got " + std::to_string(K) + ")";
    return false;
  }
  const bool t2 = use_t2();
  const int64_t segs = t3::segments(K), tiles = t3::tiles(rows);
  // 64-byte aligned storage; per-block scales live after the codes (not for a per-tensor scale,
  // as I2_S's: always the uniform layout).
  const size_t scale_off = (size_t)(t2 ? t2::scale_offset(rows, K) : t3::scale_offset(rows, K));
  const int64_t scale_count = rd.per_tensor ? 0 : t2 ? rows * segs : t3::scale_floats(rows, K);
  const size_t total = scale_off + (size_t)scale_count * sizeof(float);
  std::shared_ptr<uint8_t> buf = alloc_weight_buffer(total);
  if (!buf) {
    err = "out of memory repacking ternary weights";
    return false;
  }
  float* scales = scale_count ? reinterpret_cast<float*>(buf.get() + scale_off) : nullptr;
  if (scales) std::fill(scales, scales + scale_count, 0.0f);
  const PackTarget to{t2, buf.get(), scales};

  // Model loading repacks billions of weights: large tensors use every hardware thread.
  std::vector<PackPart> parts(kMaxParallelParts);
  parts.resize(parallel_repack(tiles, 16 * K, [&](int64_t t0, int64_t t1, int p) { pack_tiles(rd, to, t0, t1, parts[p]); }));

  bool uniform = true, have_scale = false;
  float common = 0.0f;
  for (const PackPart& p : parts) {  // in row order, so the first bad row is reported
    if (!p.ok) {
      err = p.err;
      return false;
    }
    uniform &= p.uniform;
    if (!p.have_scale) continue;
    if (!have_scale) {
      common = p.common;
      have_scale = true;
    } else if (std::memcmp(&common, &p.common, 4) != 0) {
      uniform = false;
    }
  }
  out.rows = rows;
  out.cols = K;
  out.data = buf.get();
  out.bytes = total;
  out.layout = (uniform || rd.per_tensor ? t3::kLayoutUniform : t3::kLayoutBlock) | (t2 ? t2::kLayoutT2 : 0);
  out.scale = rd.per_tensor ? parts[0].any_scale : (have_scale ? common : 0.0f);
  out.owner = buf;
  return true;
}

// ---------------- activations ----------------


float quantize_acts(const float* x, int64_t K, int8_t* q, int32_t* sum) {
  float amax = 0.0f;
  for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(x[k]));
  int32_t s = 0;
  if (!(amax > 0.0f)) {
    std::memset(q, 0, K);
    *sum = 0;
    return 0.0f;
  }
  const float scale = 127.0f / amax;
  for (int64_t k = 0; k < K; ++k) {
    // |x*scale| <= 127.0001: adding 1.5*2^23 rounds to an integer, half to even (default rounding
    // mode), exactly like nearbyint / cvtps2dq, without a libm call.
    float v = round_even_small(x[k] * scale);
    v = v > 127.0f ? 127.0f : (v >= -127.0f ? v : -127.0f);  // NaN -> -127, as cvtps2dq + clamp
    q[k] = (int8_t)v;
    s += (int32_t)v;
  }
  *sum = s;
  return amax / 127.0f;
}

namespace {

void lut_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const int64_t segs = t3::segments(K), rec = t3::lut_record_bytes(K);
  // Trit table of the 14 canonical group values.
  static const struct Trits {
    int8_t t[16][3];
    Trits() {
      for (int m = 0; m < 16; ++m)
        for (int p = 0; p < 3; ++p) t[m][p] = (int8_t)(m < 14 ? t3::trit_of(m, p) : 0);
    }
  } trit;
  std::vector<int8_t> q(segs * 256 + 8, 0);
  for (int64_t t = t0; t < t1; ++t) {
    uint8_t* r = scratch + t * rec;
    auto* hdr = reinterpret_cast<t3::ActHeader*>(r);
    std::memset(hdr, 0, sizeof(*hdr));
    hdr->inv_scale = quantize_acts(x + t * ldx, K, q.data(), &hdr->sum);
    for (int64_t s = 0; s < segs; ++s) {
      const int8_t* a = q.data() + s * 256;
      uint8_t* seg = r + 64 + s * t3::kStepsPerSeg * t3::kLutStepBytes;
      for (int g = 0; g < t3::kGroupsPerSeg; ++g) {
        int a3[3];
        for (int p = 0; p < 3; ++p) a3[p] = 3 * g + p < 256 ? a[3 * g + p] : 0;
        const int st = g / 8, j = g % 8, L = j / 2, h = j % 2;
        uint8_t* lo = seg + st * t3::kLutStepBytes + h * 128 + L * 16;
        uint8_t* hi = lo + 64;
        for (int m = 0; m < 16; ++m) {
          const int v = trit.t[m][0] * a3[0] + trit.t[m][1] * a3[1] + trit.t[m][2] * a3[2];
          lo[m] = (uint8_t)(v & 0xff);
          hi[m] = (uint8_t)((v >> 8) & 0xff);
        }
      }
    }
  }
}

void mad_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const int64_t segs = t3::segments(K), rec = t3::mad_record_bytes(K);
  for (int64_t t = t0; t < t1; ++t) {
    uint8_t* r = scratch + t * rec;
    auto* hdr = reinterpret_cast<t3::ActHeader*>(r);
    std::memset(r, 0, 64 + t3::mad_sums_bytes(K));
    int8_t* q = reinterpret_cast<int8_t*>(r + 64 + t3::mad_sums_bytes(K));
    std::memset(q + K, 0, segs * 256 - K);
    hdr->inv_scale = quantize_acts(x + t * ldx, K, q, &hdr->sum);
    int32_t* bsum = reinterpret_cast<int32_t*>(r + 64);
    for (int64_t s = 0; s < segs; ++s) {
      int32_t acc = 0;
      for (int k = 0; k < 256; ++k) acc += q[s * 256 + k];
      bsum[s] = acc;
    }
  }
}

size_t lut_bytes(int64_t K, int64_t n) { return (size_t)(n * t3::lut_record_bytes(K)); }
size_t mad_bytes(int64_t K, int64_t n) { return (size_t)(n * t3::mad_record_bytes(K)); }
size_t amx_bytes(int64_t K, int64_t n) { return (size_t)((n + 15) / 16 * t3::amx_half_bytes(K)); }

// ---------------- kernels ----------------

t3::Args make_args(const MatmulWeights& w, const uint8_t* scratch, int64_t n, float* y, int64_t ldy, int64_t r0,
                   int64_t r1) {
  t3::Args a;
  a.codes = w.data;
  const bool t2 = t2::is_t2(w.layout);
  const size_t scale_off = (size_t)(t2 ? t2::scale_offset(w.rows, w.cols) : t3::scale_offset(w.rows, w.cols));
  a.layout = t2::scale_mode(w.layout);
  a.block_scales = a.layout == t3::kLayoutBlock ? reinterpret_cast<const float*>(w.data + scale_off) : nullptr;
  a.scale = w.scale;
  a.rows = w.rows;
  a.K = w.cols;
  a.acts = scratch;
  a.n = n;
  a.y = y;
  a.ldy = ldy;
  a.r0 = r0;
  a.r1 = r1;
  return a;
}

template <void (*F)(const t3::Args&)>
void run(const MatmulWeights& w, const uint8_t* scratch, const float*, int64_t, int64_t n, float* y, int64_t ldy,
         int64_t r0, int64_t r1) {
  if (r0 >= r1) return;
  F(make_args(w, scratch, n, y, ldy, r0, r1));
}

enum Family { kLut = 0, kMad = 1 };

// T3 tiles are stored in bands, K-chunk by K-chunk (t3.h): a share starting mid-band starts
// reading at its first tile's first chunk, not at row/rows of the way in.
size_t t3_row_offset(const MatmulWeights& w, int64_t row) { return (size_t)t3::seg_offset(w.rows, w.cols, row / 16, 0); }

bool accepts_t3(const MatmulWeights& w) { return !t2::is_t2(w.layout); }
bool accepts_t2(const MatmulWeights& w) { return t2::is_t2(w.layout); }

#define T3_KERNEL(tname, family, isa, prepare, group)                                                     \
  { tname "." #family "." #isa, 16, family##_bytes, prepare, run<isa::ternary_##family##_compute>, accepts_t3, group, \
    t3_row_offset }
#define T3_KERNELS(tname)                                                                               \
  {                                                                                                      \
    T3_KERNEL(tname, lut, scalar, lut_prepare, 0), T3_KERNEL(tname, mad, scalar, mad_prepare, 0), \
        T3_KERNEL(tname, lut, avx2, avx2::ternary_lut_prepare, 0),                                       \
        T3_KERNEL(tname, mad, avx2, avx2::ternary_mad_prepare, avx2::kMadGroupRows),                     \
        T3_KERNEL(tname, lut, avx512, avx512::ternary_lut_prepare, 0),                                   \
        T3_KERNEL(tname, mad, avx512, avx512::ternary_mad_prepare, avx512::kMadGroupRows),               \
  }
// T2 weights run multiply-add on MAD activation records.
#define T2_KERNELS(tname)                                                                               \
  {                                                                                                      \
    {tname ".t2.scalar", 16, mad_bytes, mad_prepare, run<scalar::ternary_t2_compute>, accepts_t2},      \
        {tname ".t2.avx2", 16, mad_bytes, avx2::ternary_mad_prepare, run<avx2::ternary_t2_compute>, accepts_t2, \
         avx2::kMadGroupRows},                                                                         \
        {tname ".t2.avx512", 16, mad_bytes, avx512::ternary_mad_prepare, run<avx512::ternary_t2_compute>, accepts_t2, \
         avx512::kMadGroupRows},                                                                       \
  }

// AMX: the AVX-512 MAD kernel's row groups, tiles in place of vpdpbusd.
#define AMX_KERNEL(tname)                                                                                   \
  {tname ".amx.avx512", 16, amx_bytes, amx::ternary_amx_prepare, run<amx::ternary_amx_compute>, accepts_t3, \
   avx512::kMadGroupRows, t3_row_offset}

#define AMX_T2_KERNEL(tname)                                                                                      \
  {tname ".t2amx.avx512", 16, amx_bytes, amx::ternary_amx_t2_prepare, run<amx::ternary_amx_t2_compute>, accepts_t2, \
   avx512::kMadGroupRows, nullptr, 16}

struct Kernels {
  MatmulKernel t3[6];  // [2 * isa + family]
  MatmulKernel t2[3];  // [isa]
  MatmulKernel amx, t2amx;
};
#define KERNELS(tname) {T3_KERNELS(tname), T2_KERNELS(tname), AMX_KERNEL(tname), AMX_T2_KERNEL(tname)}
const Kernels kTq1 KERNELS("tq1_0");
const Kernels kTq2 KERNELS("tq2_0");
const Kernels kI2s KERNELS("i2_s");

const Kernels& table(DType type) {
  switch (type) {
    case DType::TQ1_0: return kTq1;
    case DType::TQ2_0: return kTq2;
    default: return kI2s;
  }
}

const MatmulKernel* pick(DType type, Isa isa, Family f) { return &table(type).t3[2 * (int)isa + (int)f]; }
bool amx_on(Isa isa) { return isa == Isa::Avx512 && amx_ready(); }
// Multiply-add: on AMX tiles where the CPU and OS allow them, else the ISA's own kernel.
const MatmulKernel* pick_mad(DType type, Isa isa) { return amx_on(isa) ? &table(type).amx : pick(type, isa, kMad); }
const MatmulKernel* pick_t2(DType type, Isa isa) { return &table(type).t2[(int)isa]; }
// From this many tokens, T2 weights run on AMX tiles where amx_ready().
const int64_t kT2AmxFromTokens = 9;

}  // namespace

const MatmulKernel* select_kernel(DType type, Isa isa, int64_t n_tokens, const MatmulWeights& w) {
  if (t2::is_t2(w.layout)) {
    // T2 on AVX-512 (chosen where AMX is usable): multiply-add in registers for decode and small
    // batches; prefill on AMX tiles (else, when forced without AMX, on the VNNI panel kernel).
    if (isa == Isa::Avx512 && n_tokens >= kT2AmxFromTokens && amx_on(isa)) return &table(type).t2amx;
    return pick_t2(type, isa);
  }
  // RYZEN_TERNARY_KERNEL=lut|mad|amx forces a family (benchmarks compare them inside plans); mad
  // is the ISA's vector kernel, amx the tile kernel where amx_ready() (else mad).
  if (const char* f = std::getenv("RYZEN_TERNARY_KERNEL")) {
    if (!std::strcmp(f, "lut")) return pick(type, isa, kLut);
    if (!std::strcmp(f, "mad")) return pick(type, isa, kMad);
    if (!std::strcmp(f, "amx")) return pick_mad(type, isa);
  }
  // Crossovers measured on this Zen (2560x2560 and 6912x2560, 1 thread): the LUT kernels win for
  // few tokens (decode: fewest bytes, least work per weight); decode-once + int8 multiply-add wins
  // from about 12 tokens with AVX-512 VNNI, about 16 with AVX2; portable code has no fast lookup,
  // so MAD always.
  // With AMX tiles the multiply-add kernel's cost is nearly flat up to 32 tokens (the decode
  // dominates): on the Xeon it ties the LUT GEMV at 8 tokens, 2560x2560, and wins from 9.
  const int64_t mad_from = amx_on(isa) ? 9 : isa == Isa::Avx512 ? 12 : isa == Isa::Avx2 ? 16 : 1;
  return n_tokens >= mad_from ? pick_mad(type, isa) : pick(type, isa, kLut);
}

int list_kernels(DType type, Isa isa, const MatmulKernel** out, int max) {
  int n = 0;
  for (int i = 0; i <= (int)isa; ++i)
    for (int f = 0; f < 2; ++f)
      if (n < max) out[n++] = pick(type, (Isa)i, (Family)f);
  for (int i = 0; i <= (int)isa; ++i)
    if (n < max) out[n++] = pick_t2(type, (Isa)i);
  if (amx_on(isa) && n < max) out[n++] = &table(type).amx;
  if (amx_on(isa) && n < max) out[n++] = &table(type).t2amx;
  return n;
}

}  // namespace ternary
}  // namespace ryzen
