// Ternary multiply-add GEMM on AMX-INT8 tiles (Intel Xeon from Sapphire Rapids): the MAD kernel's
// work with one tdpbsud (16 tokens x 16 rows x 64 columns) in place of 64 vpdpbusd. Results match
// the other kernels bit for bit: the same exact integer sums per row and token (per 256-weight
// block with per-block scales), then the same float operations (avx512/t3_tiles.h).
//
// Operands, per 64-column slice of K:
//   A (signed): 16 tokens x 64 int8 activations, read in place from the MAD activation records
//               (row stride = one record), so no activation repacking;
//   B (unsigned): one tile's codes w+1 in the MAD panel layout [k/4][row][4], 1 KB, which is
//               exactly AMX's B layout (4 consecutive K values of a column per dword);
//   C: 16 tokens x 16 rows int32, kept in the Outs between K-chunks (row stride = a token's Outs).
// Tile registers: C 0..3 (token half h, tile p of the pair: 2h + p), A 4..5, B 6..7, so each
// loaded tile feeds two tdpbsud.
// Only called where amx_ready() (core/isa.h): the CPU has AMX-INT8 and Linux granted the tile state.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside intrinsics
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "avx512/t3_tiles.h"
#include "ternary/kernels.h"
#include "ternary/t3.h"

namespace ryzen {
namespace amx {
namespace {

using avx512::Out;

constexpr int kGroup = avx512::kMadGroupRows / 16;  // tiles decoded together (shares are whole groups)
constexpr int kChunk = 2;                           // segments per decoded chunk (32 KB of codes)
constexpr int kTokenBlock = 128;                    // tokens whose Outs are kept across chunks
constexpr int kHalf = 16;                           // tokens per A tile
constexpr int64_t kOutStride = kGroup * sizeof(Out);  // bytes between a tile's Outs of consecutive tokens

struct TileConfig {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

// Every tile register as 16 rows x 64 bytes; loaded per call, released at the end so the thread's
// AMX state returns to init (no 8 KB save on every context switch).
class Tiles {
 public:
  Tiles() {
    TileConfig c;
    std::memset(&c, 0, sizeof(c));
    c.palette = 1;
    for (int i = 0; i < 8; ++i) {
      c.colsb[i] = 64;
      c.rows[i] = 16;
    }
    _tile_loadconfig(&c);
  }
  ~Tiles() { _tile_release(); }
};

// The A operand of one token half for one segment: in place when all 16 tokens exist, else the
// present tokens copied into a zero-padded staging block (a tile load must not read past the
// last record).
struct HalfActs {
  const int8_t* base;
  int64_t stride;
};

// Integer sums over the decoded segments [s0, s1) for one or two token halves x the tile pair at
// panel slots p, p + 1: added into the Outs' isum, or (fresh) stored there.
static void pair_chunk(const HalfActs (&h)[2][kChunk], int halves, bool fresh, int64_t s0, int64_t s1,
                       const uint8_t* panel, int p, Out* o) {
  // C tiles: Outs of token t, tile p at o[t * kGroup + p]; isum is the Out's first member.
  uint8_t* c00 = reinterpret_cast<uint8_t*>(&o[p].isum);
  if (fresh) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  } else {
    _tile_loadd(0, c00, kOutStride);
    _tile_loadd(1, c00 + sizeof(Out), kOutStride);
    if (halves == 2) {
      _tile_loadd(2, c00 + kHalf * kOutStride, kOutStride);
      _tile_loadd(3, c00 + kHalf * kOutStride + sizeof(Out), kOutStride);
    }
  }
  for (int64_t s = s0; s < s1; ++s) {
    const uint8_t* b = panel + (int64_t)p * kChunk * 4096 + (s - s0) * 4096;
    for (int j = 0; j < 4; ++j) {
      _tile_loadd(6, b + j * 1024, 64);
      _tile_loadd(7, b + kChunk * 4096 + j * 1024, 64);
      _tile_loadd(4, h[0][s - s0].base + 64 * j, h[0][s - s0].stride);
      _tile_dpbsud(0, 4, 6);
      _tile_dpbsud(1, 4, 7);
      if (halves == 2) {
        _tile_loadd(5, h[1][s - s0].base + 64 * j, h[1][s - s0].stride);
        _tile_dpbsud(2, 5, 6);
        _tile_dpbsud(3, 5, 7);
      }
    }
  }
  _tile_stored(0, c00, kOutStride);
  _tile_stored(1, c00 + sizeof(Out), kOutStride);
  if (halves == 2) {
    _tile_stored(2, c00 + kHalf * kOutStride, kOutStride);
    _tile_stored(3, c00 + kHalf * kOutStride + sizeof(Out), kOutStride);
  }
}

}  // namespace

void ternary_amx_compute(const t3::Args& a) {
  const int64_t segs = t3::segments(a.K), end = (a.r1 + 15) / 16;
  const int64_t rec = t3::mad_record_bytes(a.K), sums = t3::mad_sums_bytes(a.K);
  const bool block = a.layout == t3::kLayoutBlock;
  alignas(64) uint8_t panel[kGroup * kChunk * 4096];
  alignas(64) int8_t staging[2][kChunk][kHalf * 256];
  Out o[kTokenBlock * kGroup];
  const avx512::DecodeConsts d = avx512::decode_consts();
  const Tiles tiles;
  auto acts = [&](int64_t t) { return reinterpret_cast<const int8_t*>(a.acts + t * rec + 64 + sums); };
  auto header = [&](int64_t t) { return reinterpret_cast<const t3::ActHeader*>(a.acts + t * rec); };

  for (int64_t tile = a.r0 / 16; tile < end; tile += kGroup) {
    const int ng = end - tile < kGroup ? (int)(end - tile) : kGroup;
    for (int64_t tb0 = 0; tb0 < a.n; tb0 += kTokenBlock) {
      const int64_t tb1 = a.n - tb0 < kTokenBlock ? a.n : tb0 + kTokenBlock;
      if (block)
        for (int64_t i = 0; i < (tb1 - tb0) * kGroup; ++i) o[i].facc = _mm512_setzero_ps();
      // Per-block scales: one segment per pass, so each block's sums can be scaled on their own.
      const int64_t step = block ? 1 : kChunk;
      for (int64_t s0 = 0; s0 < segs; s0 += step) {
        const int64_t s1 = segs - s0 < step ? segs : s0 + step;
        for (int p = 0; p < ng; ++p) avx512::decode_tile(a, tile + p, s0, s1, d, panel + p * kChunk * 4096);
        // an odd group's last pair multiplies zeros for its missing tile (its rows are not stored)
        if (ng % 2) std::memset(panel + ng * kChunk * 4096, 0, (size_t)(s1 - s0) * 4096);
        for (int64_t t = tb0; t < tb1; t += 2 * kHalf) {
          HalfActs h[2][kChunk];
          const int halves = tb1 - t > kHalf ? 2 : 1;
          for (int hf = 0; hf < halves; ++hf) {
            const int64_t first = t + hf * kHalf, count = tb1 - first < kHalf ? tb1 - first : kHalf;
            for (int64_t s = s0; s < s1; ++s) {
              if (count == kHalf) {
                h[hf][s - s0] = {acts(first) + s * 256, rec};
                continue;
              }
              int8_t* st = staging[hf][s - s0];
              std::memset(st, 0, sizeof(staging[0][0]));
              for (int64_t i = 0; i < count; ++i) std::memcpy(st + i * 256, acts(first + i) + s * 256, 256);
              h[hf][s - s0] = {st, 256};
            }
          }
          Out* ot = o + (t - tb0) * kGroup;
          for (int p = 0; p < ng; p += 2) {
            pair_chunk(h, halves, block || s0 == 0, s0, s1, panel, p, ot);
            if (!block) continue;
            // this segment's sums, less the codes' +1 (the block's activation sum), scaled
            for (int64_t i = t; i < t + halves * kHalf && i < tb1; ++i) {
              const int32_t asum = reinterpret_cast<const int32_t*>(a.acts + i * rec + 64)[s0];
              for (int q = p; q < p + 2 && q < ng; ++q) {
                Out& r = o[(i - tb0) * kGroup + q];
                avx512::block_done(a, tile + q, s0, _mm512_sub_epi32(r.isum, _mm512_set1_epi32(asum)), r);
              }
            }
          }
        }
      }
      for (int64_t t = tb0; t < tb1; ++t) {
        const t3::ActHeader* hdr = header(t);
        for (int p = 0; p < ng; ++p) {
          Out r = o[(t - tb0) * kGroup + p];
          if (!block) r.isum = _mm512_sub_epi32(r.isum, _mm512_set1_epi32(hdr->sum));
          avx512::store_rows(a, tile + p, t, avx512::finish(a, r, hdr->inv_scale));
        }
      }
    }
  }
}

}  // namespace amx
}  // namespace ryzen
