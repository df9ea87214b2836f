// AMX tile state shared by the AMX kernels: every tile register as 16 rows x 64 bytes.
// In an anonymous namespace (AMX translation units only; see the ISA rule).
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "avx512/t3_tiles.h"
#include "ternary/kernels.h"
#include "ternary/t3.h"

namespace ryzen {
namespace amx {
namespace {

// Blocking shared by both tile kernels.
// One tile pair per group: the chunk's panel (16 KB), the pair's sums for a 128-token block (16 KB
// in the T2 kernel, 32 KB of Outs in the T3 one) and a token pair's activation tiles for the chunk
// (16 KB) then mostly stay in L1 (48 KB on Sapphire Rapids). Groups of 4 tiles (the MAD kernels'
// 64 rows) were ~20 % slower at 1 thread (T2, 2560x6912 and 6912x2560, 128 tokens; T3 ~15 %);
// 2-tile groups with 4-segment chunks too. (Shares are whole 64-row groups, so whole pairs.)
constexpr int kGroup = 2;         // tiles decoded together
constexpr int kChunk = 2;         // segments per decoded chunk
constexpr int kTokenBlock = 128;  // tokens whose sums are kept across chunks
static_assert(avx512::kMadGroupRows % (16 * kGroup) == 0, "a share holds whole groups");
constexpr int kHalf = 16;         // tokens per activation tile

// The activations of one matmul in AMX records (t3.h): a token's header (block sums follow it)
// and the activation tiles of a 16-token half.
struct AmxRecords {
  const uint8_t* acts;
  int64_t half_bytes, prefix, tiles_offset;
  explicit AmxRecords(const t3::Args& a)
      : acts(a.acts), half_bytes(t3::amx_half_bytes(a.K)), prefix(t3::amx_prefix_bytes(a.K)),
        tiles_offset(t3::amx_tiles_offset(a.K)) {}
  const t3::ActHeader* header(int64_t t) const {
    return reinterpret_cast<const t3::ActHeader*>(acts + t / 16 * half_bytes + t % 16 * prefix);
  }
  const int32_t* block_sums(int64_t t) const { return reinterpret_cast<const int32_t*>(header(t) + 1); }
  const int8_t* half_tiles(int64_t t) const {  // t: a multiple of 16
    return reinterpret_cast<const int8_t*>(acts + t / 16 * half_bytes + tiles_offset);
  }
};

struct TileConfig {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

// Loaded per kernel call and released at its end, so the thread's AMX state returns to init (no
// 8 KB save on every context switch).
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

// A K-chunk's part in a block of sums: the first chunk zeroes them; `resident`: they stay in the
// tile registers from chunk to chunk and only the last stores them (a block of one token pair,
// whose chunks run back to back: a tile load of sums just stored waits for the store to drain,
// which made a 32-token GEMM ~1.3x slower than a 48-token one); otherwise every chunk loads and
// stores them.
struct ChunkSums {
  bool first, last, resident;
};

// A block is one token pair x one tile pair (tokens [tb0, tb1), ng tiles).
static inline bool one_pair_block(int64_t tb0, int64_t tb1, int ng) { return tb1 - tb0 <= 2 * kHalf && ng <= 2; }

// Chunk [s0, s1) of segs: per-block scales store every chunk's sums (they are scaled per segment).
static inline ChunkSums chunk_sums(bool block_scales, bool one_pair, int64_t s0, int64_t s1, int64_t segs) {
  return {block_scales || s0 == 0, block_scales || s1 == segs, !block_scales && one_pair};
}

// A 2 x 2 block of int32 sums in tile registers 0..3 (register 2h + p: token half h, tile p of a
// tile pair), kept in memory between K-chunks: register 2h + p's rows start at
// c + h * next_half + p * next_tile, `stride` bytes apart. With one half, registers 0 and 1 only.
struct SumTiles {
  uint8_t* c;
  int64_t stride, next_tile, next_half;
  int halves;

  // Zeroed (the first chunk), loaded from memory, or already in the registers (resident).
  void begin(const ChunkSums& r) const {
    if (r.first) {
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      return;
    }
    if (r.resident) return;
    _tile_loadd(0, c, stride);
    _tile_loadd(1, c + next_tile, stride);
    if (halves == 2) {
      _tile_loadd(2, c + next_half, stride);
      _tile_loadd(3, c + next_half + next_tile, stride);
    }
  }
  void end(const ChunkSums& r) const {
    if (r.resident && !r.last) return;
    _tile_stored(0, c, stride);
    _tile_stored(1, c + next_tile, stride);
    if (halves == 2) {
      _tile_stored(2, c + next_half, stride);
      _tile_stored(3, c + next_half + next_tile, stride);
    }
  }
};

// The products of K-chunk segments [s0, s1) for a tile pair x one or two token halves (c.halves),
// added into c's sums (see ChunkSums): per 64-column slice (segment s, part j), the
// pair's weight tiles at w + (s - s0) * 4096 + j * 1024 and pair_stride further (registers 6, 7)
// and token half i's activation tile at h[i] + 1024 (4 s + j) (registers 4, 5); each loaded tile
// feeds two products. kWeightsAsA: T2 (rows are A: u8 codes x s8 activations, C = rows x tokens);
// else T3 (activations are A: s8 x u8 codes, C = tokens x rows). (The tile intrinsics paste their
// register numbers into asm as written, so the four products stay spelled out.)
template <bool kWeightsAsA>
static void chunk_products(const SumTiles& c, const ChunkSums& r, const int8_t* const (&h)[2], int64_t s0, int64_t s1,
                           const uint8_t* w, int64_t pair_stride) {
  c.begin(r);
  for (int64_t s = s0; s < s1; ++s)
    for (int j = 0; j < 4; ++j) {
      const uint8_t* wj = w + (s - s0) * 4096 + j * 1024;
      _tile_loadd(6, wj, 64);
      _tile_loadd(7, wj + pair_stride, 64);
      _tile_loadd(4, h[0] + (s * 4 + j) * 1024, 64);
      if constexpr (kWeightsAsA) {
        _tile_dpbusd(0, 6, 4);
        _tile_dpbusd(1, 7, 4);
      } else {
        _tile_dpbsud(0, 4, 6);
        _tile_dpbsud(1, 4, 7);
      }
      if (c.halves == 2) {
        _tile_loadd(5, h[1] + (s * 4 + j) * 1024, 64);
        if constexpr (kWeightsAsA) {
          _tile_dpbusd(2, 6, 5);
          _tile_dpbusd(3, 7, 5);
        } else {
          _tile_dpbsud(2, 5, 6);
          _tile_dpbsud(3, 5, 7);
        }
      }
    }
  c.end(r);
}

}  // namespace
}  // namespace amx
}  // namespace ryzen
