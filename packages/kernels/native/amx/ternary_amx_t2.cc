// Ternary multiply-add GEMM on AMX-INT8 tiles over the T2 layout (t2.h). T2's rows are the A
// operand as they come: bit pair l of a row's 64-byte segment is 64 codes (w+1) of that row, one
// A tile row, so the decode is a shift and a mask per 64 codes, with no byte permutes (the T3
// kernel's decode, ternary_amx.cc, spends most of its time in them). Results match the other
// kernels bit for bit: the same exact integer sums per row and token (per 256-weight block with
// per-block scales), then the same float operations (avx512/t3_tiles.h).
//
// Operands, per segment s and bit pair l (64 weights of K):
//   A (unsigned): 16 rows x 64 codes, decoded into the panel ([tile][segment][l][row][64]);
//   B (signed): 64 activations x 16 tokens as [k/4][token][4], 1 KB, stored so by
//               ternary_amx_t2_prepare (t3.h AMX record);
//   C: 16 rows x 16 tokens int32, kept in memory between K-chunks ([tile][row][token block]) and
//      transposed to token-major once per row group and token block.
// Tile registers: C 0..3 (token half h, tile p of the pair: 2h + p), B 4..5, A 6..7, so each loaded
// tile feeds two tdpbusd.
// Only called where amx_ready() (core/isa.h).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside intrinsics
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "amx/tiles.h"
#include "avx512/t3_tiles.h"
#include "ternary/chunk_prefetch.h"
#include "ternary/kernels.h"
#include "ternary/t2.h"
#include "ternary/t3.h"

namespace ryzen {
namespace amx {
namespace {

constexpr int64_t kSumStride = kTokenBlock * 4;     // bytes between rows of a tile's sums

// Rows of tile `tile`, segments [s0, s1), into the panel ([s - s0][l][row][64 codes]); rows past
// the tensor are zero codes (their sums are never stored). With `next`, one of its `next_steps`
// prefetch steps per row.
static void decode_tile_t2(const t3::Args& a, int64_t tile, int64_t s0, int64_t s1, uint8_t* panel,
                           t3::NextChunkPrefetch* next, int64_t next_steps) {
  const int64_t rb = t2::row_bytes(a.K);
  const __m512i m3 = _mm512_set1_epi8(3);
  for (int i = 0; i < 16; ++i) {
    if (next) next->step(next_steps);
    const int64_t r = tile * 16 + i;
    for (int64_t s = s0; s < s1; ++s) {
      uint8_t* o = panel + (s - s0) * 4096 + i * 64;
      const __m512i x = r < a.rows ? _mm512_load_si512(a.codes + r * rb + s * t2::kSegBytes) : _mm512_setzero_si512();
      for (int l = 0; l < 4; ++l)
        _mm512_store_si512(o + l * 1024, r < a.rows ? _mm512_and_si512(l ? _mm512_srli_epi16(x, 2 * l) : x, m3) : x);
    }
  }
}

// Integer sums over the decoded segments [s0, s1) for one or two token halves x the tile pair at
// panel slots p, p + 1: added into the sums at c (tile p, this token pair) (see ChunkSums).
// h[i]: token half i's B tiles (slice k of K at h[i] + 1024 k).
static void pair_chunk(const int8_t* const (&h)[2], int halves, const ChunkSums& r, int64_t s0, int64_t s1,
                       const uint8_t* panel, int p, int32_t* c) {
  const SumTiles st{reinterpret_cast<uint8_t*>(c), kSumStride, 16 * kSumStride, kHalf * 4, halves};
  chunk_products<true>(st, r, h, s0, s1, panel + (int64_t)p * kChunk * 4096, kChunk * 4096);
}

}  // namespace

// Tokens [t0, t1) (t0 a multiple of 16; t1 too, or the last token): the T3 kernel's AMX records
// (ternary_amx_prepare: each token's activations as row t % 16 of its half's tiles), then each
// half's tiles transposed in place into B tiles ([k/4][token][4]). (Storing 4-byte columns token
// by token instead took ~2x as long: 150 against ~70 us for 128 x 2560.)
void ternary_amx_t2_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  ternary_amx_prepare(x, ldx, K, t0, t1, scratch);
  const int64_t slices = t3::segments(K) * 4;
  for (int64_t t = t0; t < t1; t += 16) {
    uint8_t* tiles = scratch + t / 16 * t3::amx_half_bytes(K) + t3::amx_tiles_offset(K);
    for (int64_t k = 0; k < slices; ++k) {
      __m512i v[16];
      for (int i = 0; i < 16; ++i) v[i] = _mm512_load_si512(tiles + k * 1024 + i * 64);
      avx512::transpose16(v);
      for (int i = 0; i < 16; ++i) _mm512_store_si512(tiles + k * 1024 + i * 64, v[i]);
    }
  }
}

// Per block of up to kTokenBlock tokens, per group of kGroup tiles (t3::for_tile_groups), per K-chunk: decode the chunk
// of the group's rows into the panel, then pass the block's tokens over it, 32 at a time, tile pair
// by tile pair (tiles.h: one pair per group); the next chunk's weights are prefetched meanwhile (as
// in ternary_amx.cc).
void ternary_amx_t2_compute(const t3::Args& a) {
  const int64_t segs = t3::segments(a.K), end = (a.r1 + 15) / 16;
  const bool block = a.layout == t3::kLayoutBlock;
  alignas(64) uint8_t panel[kGroup * kChunk * 4096];
  alignas(64) int32_t sums[kGroup][16][kTokenBlock];  // [tile][row][token of the block]
  alignas(64) float facc[kGroup][16][kTokenBlock];    // per-block scales: scaled sums
  const Tiles tiles;
  const AmxRecords rec(a);

  t3::for_tile_groups(a, kGroup, kTokenBlock, [&](int64_t tile, int ng, int64_t tb0, int64_t tb1) {
    if (block) std::memset(facc, 0, sizeof(facc));
    // Per-block scales: one segment per chunk, so each block's sums can be scaled on their own.
    const int64_t step = block ? 1 : kChunk;
    // one token pair x one tile pair: the sums stay in the tile registers across the chunks
    const bool one_pair = one_pair_block(tb0, tb1, ng);
    for (int64_t s0 = 0; s0 < segs; s0 += step) {
      const int64_t s1 = segs - s0 < step ? segs : s0 + step;
      t3::NextChunkPrefetch next(a, true, tile, kGroup, (int)step, s1, end);
      // One token pair's products are too short to hide the next chunk's lines issued at once
      // (the prefetches wait for fill buffers and stall the core): the decode issues them a row
      // at a time instead (9-32 tokens from DRAM ~6 % faster).
      for (int p = 0; p < ng; ++p)
        decode_tile_t2(a, tile + p, s0, s1, panel + p * kChunk * 4096, one_pair ? &next : nullptr, 16 * ng);
      // an odd group's last pair multiplies zeros for its missing tile (its rows are not stored)
      if (ng % 2) std::memset(panel + ng * kChunk * 4096, 0, (size_t)(s1 - s0) * 4096);
      const ChunkSums sums_role = chunk_sums(block, one_pair, s0, s1, segs);
      for (int64_t t = tb0; t < tb1; t += 2 * kHalf) {
        next.step((tb1 - tb0 + 2 * kHalf - 1) / (2 * kHalf));
        const int halves = tb1 - t > kHalf ? 2 : 1;
        const int8_t* const h[2] = {rec.half_tiles(t), halves == 2 ? rec.half_tiles(t + kHalf) : nullptr};
        for (int p = 0; p < ng; p += 2) {
          pair_chunk(h, halves, sums_role, s0, s1, panel, p, &sums[p][0][t - tb0]);
          if (!block) continue;
          // this segment's sums, less the codes' +1 (the block's activation sum), scaled
          alignas(64) int32_t asum[2 * kHalf] = {};
          for (int64_t i = t; i < t + halves * kHalf && i < tb1; ++i)
            asum[i - t] = rec.block_sums(i)[s0];
          for (int q = p; q < p + 2 && q < ng; ++q)
            for (int i = 0; i < 16; ++i) {
              const int64_t r = (tile + q) * 16 + i;
              const __m512 d = _mm512_set1_ps(r < a.rows ? a.block_scales[r * segs + s0] : 0.0f);
              for (int hh = 0; hh < halves; ++hh) {
                int32_t* c = &sums[q][i][t - tb0 + hh * kHalf];
                float* f = &facc[q][i][t - tb0 + hh * kHalf];
                const __m512i b = _mm512_sub_epi32(_mm512_load_si512(c), _mm512_load_si512(asum + hh * kHalf));
                _mm512_store_ps(f, _mm512_add_ps(_mm512_load_ps(f), _mm512_mul_ps(_mm512_cvtepi32_ps(b), d)));
              }
            }
        }
      }
      next.finish();
    }
    // token-major rows: transpose each tile's 16 x 16 blocks, then finish as the other kernels
    for (int p = 0; p < ng; ++p)
      for (int64_t t = tb0; t < tb1; t += kHalf) {
        __m512i v[16];
        for (int i = 0; i < 16; ++i)
          v[i] = block ? _mm512_castps_si512(_mm512_load_ps(&facc[p][i][t - tb0])) : _mm512_load_si512(&sums[p][i][t - tb0]);
        avx512::transpose16(v);
        for (int64_t j = t; j < t + kHalf && j < tb1; ++j) {
          const t3::ActHeader* hdr = rec.header(j);
          avx512::Out r;
          if (block) r.facc = _mm512_castsi512_ps(v[j - t]);
          else r.isum = _mm512_sub_epi32(v[j - t], _mm512_set1_epi32(hdr->sum));
          avx512::store_rows(a, tile + p, j, avx512::finish(a, r, hdr->inv_scale));
        }
      }
  });
}

}  // namespace amx
}  // namespace ryzen
