// Ternary multiply-add GEMM on AMX-INT8 tiles (Intel Xeon from Sapphire Rapids): the MAD kernel's
// work with one tdpbsud (16 tokens x 16 rows x 64 columns) in place of 256 vpdpbusd. Results match
// the other kernels bit for bit: the same exact integer sums per row and token (per 256-weight
// block with per-block scales), then the same float operations (avx512/t3_tiles.h).
//
// Operands, per 64-column slice of K:
//   A (signed): 16 tokens x 64 int8 activations, 1 KB, stored so by ternary_amx_prepare (t3.h,
//               AMX record; strided rows read from per-token MAD records measured the same, but
//               need a zero-padded copy for a partial 16-token half);
//   B (unsigned): one tile's codes w+1 in the MAD panel layout [k/4][row][4], 1 KB, which is
//               exactly AMX's B layout (4 consecutive K values of a column per dword);
//   C: 16 tokens x 16 rows int32, kept in the Outs between K-chunks (row stride = a token's Outs).
// Tile registers: C 0..3 (token half h, tile p of the pair: 2h + p), A 4..5, B 6..7, so each
// loaded tile feeds two tdpbsud.
// Only called where amx_ready() (core/isa.h): the CPU has AMX-INT8 and Linux granted the tile state.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside intrinsics
#include <alloca.h>
#include <immintrin.h>
#include <cstdint>
#include <cstring>
#include "amx/tiles.h"
#include "avx512/t3_tiles.h"
#include "ternary/chunk_prefetch.h"
#include "ternary/kernels.h"
#include "ternary/t3.h"

namespace ryzen {
namespace amx {
namespace {

using avx512::Out;

constexpr int64_t kOutStride = kGroup * sizeof(Out);  // bytes between a tile's Outs of consecutive tokens

// Decode for AMX CPUs (Intel), where a two-source byte permute (vpermt2b) takes 2 cycles of the one
// shuffle port and a one-source vpermb 1: per T3 step, two vpermt2b gather each row's 8 group
// values into groups 0..3 (ga) and 4..7 (gb); then per 4-column slice one vpermb picks each output
// byte's group from ga or gb, its trit position is ORed in, a second vpermb looks up the positive
// code (w+1 of 13 + m) and a masked subtract turns it into 2 - code where the sign bit (bit 7) is
// set (the mirror value 13 - m has the negated trits). The codes and layout are decode_step's.
struct AmxDecode {
  __m512i ga, gb;         // (nl, nh) byte indices of groups 0..3 / 4..7 of each row
  __m512i gather[6];      // per slice: byte of ga (slices 0..2) or gb (3..5) holding the group
  __m512i pos[6];         // per slice: trit position p << 4
  __m512i tab;            // entry m | p << 4: trit p of 13 + m, plus 1
};

static AmxDecode amx_decode_consts() {
  AmxDecode d;
  alignas(64) uint8_t b[2][64], g[64], q[64], t[64];
  for (int e = 0; e < 64; ++e) {
    const int i = e / 4, grp = e % 4;  // row i, group grp (+4 for gb)
    for (int h = 0; h < 2; ++h) {
      const int G = grp + 4 * h;
      b[h][e] = (uint8_t)(4 * i + G / 2 + 64 * (G & 1));
    }
  }
  d.ga = _mm512_load_si512(b[0]);
  d.gb = _mm512_load_si512(b[1]);
  for (int j = 0; j < 6; ++j) {
    for (int e = 0; e < 64; ++e) {
      const int i = e / 4, c = 4 * j + e % 4;
      g[e] = (uint8_t)(4 * i + (c / 3) % 4);
      q[e] = (uint8_t)((c % 3) << 4);
    }
    d.gather[j] = _mm512_load_si512(g);
    d.pos[j] = _mm512_load_si512(q);
  }
  for (int e = 0; e < 64; ++e) {
    const int m = e & 15, p = e >> 4;
    t[e] = (uint8_t)((p < 3 && m < 14 ? t3::trit_of(m, p) : 0) + 1);
  }
  d.tab = _mm512_load_si512(t);
  return d;
}

static inline void amx_decode_step(const uint8_t* step, int st, const AmxDecode& d, uint8_t* out) {
  const __m512i nib = _mm512_set1_epi8(0x0f), sign = _mm512_set1_epi8((char)0x80), two = _mm512_set1_epi8(2);
  const __m512i idx = _mm512_loadu_si512(step);
  uint64_t sg[2];
  std::memcpy(sg, step + 64, 16);
  const __m512i ml = _mm512_and_si512(idx, nib), mh = _mm512_and_si512(_mm512_srli_epi16(idx, 4), nib);
  const __m512i vl = _mm512_mask_add_epi8(ml, _cvtu64_mask64(sg[0]), ml, sign);  // sign into bit 7
  const __m512i vh = _mm512_mask_add_epi8(mh, _cvtu64_mask64(sg[1]), mh, sign);
  const __m512i ga = _mm512_permutex2var_epi8(vl, d.ga, vh), gb = _mm512_permutex2var_epi8(vl, d.gb, vh);
  const int slices = st == t3::kStepsPerSeg - 1 ? 4 : 6;
  for (int j = 0; j < slices; ++j) {
    const __m512i v = _mm512_or_si512(_mm512_permutexvar_epi8(d.gather[j], j < 3 ? ga : gb), d.pos[j]);
    const __m512i code = _mm512_permutexvar_epi8(v, d.tab);
    _mm512_store_si512(out + j * 64, _mm512_mask_sub_epi8(code, _mm512_movepi8_mask(v), two, code));
  }
}

// Integer sums over the decoded segments [s0, s1) for one or two token halves x the tile pair at
// panel slots p, p + 1: added into the Outs' isum (see ChunkSums).
// h[i]: token half i's A tiles (slice k of K at h[i] + 1024 k).
static void pair_chunk(const int8_t* const (&h)[2], int halves, const ChunkSums& r, int64_t s0, int64_t s1,
                       const uint8_t* panel, int p, Out* o) {
  // C tiles: Outs of token t, tile p at o[t * kGroup + p]; isum is the Out's first member.
  const SumTiles c{reinterpret_cast<uint8_t*>(&o[p].isum), kOutStride, sizeof(Out), kHalf * kOutStride, halves};
  chunk_products<false>(c, r, h, s0, s1, panel + (int64_t)p * kChunk * 4096, kChunk * 4096);
}

}  // namespace

// Tokens [t0, t1): each quantized as for the MAD kernels (same bytes, header and block sums), then
// its record prefix and its activations stored in the AMX record of its 16-token half.
void ternary_amx_prepare(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch) {
  const int64_t rec = t3::mad_record_bytes(K), prefix = t3::amx_prefix_bytes(K), slices = t3::segments(K) * 4;
  uint8_t* one = static_cast<uint8_t*>(alloca(rec));  // K <= 65536 (checked at prepare): <= ~66 KB
  for (int64_t t = t0; t < t1; ++t) {
    avx512::ternary_mad_record(x + t * ldx, K, one, t + 1 < t1 ? x + (t + 1) * ldx : nullptr);
    uint8_t* half = scratch + t / 16 * t3::amx_half_bytes(K);
    std::memcpy(half + t % 16 * prefix, one, prefix);
    uint8_t* rows = half + t3::amx_tiles_offset(K) + t % 16 * 64;
    for (int64_t k = 0; k < slices; ++k) std::memcpy(rows + k * 1024, one + prefix + k * 64, 64);
  }
}

// Per block of up to kTokenBlock tokens, per group of kGroup tiles (t3::for_tile_groups), per K-chunk: decode the chunk
// of the group's tiles into the panel, then pass the block's tokens over it, 32 at a time, tile
// pair by tile pair (tiles.h: one pair per group). (Decoding the next chunk between the tdpbsud
// of this one, to overlap the permutes with the tile unit, measured within +-3 % on the Xeon, so
// the phases stay apart.)
void ternary_amx_compute(const t3::Args& a) {
  const int64_t segs = t3::segments(a.K), end = (a.r1 + 15) / 16;
  const bool block = a.layout == t3::kLayoutBlock;
  alignas(64) uint8_t panel[kGroup * kChunk * 4096];
  Out o[kTokenBlock * kGroup];
  const AmxDecode d = amx_decode_consts();
  const Tiles tiles;
  const AmxRecords rec(a);

  t3::for_tile_groups(a, kGroup, kTokenBlock, [&](int64_t tile, int ng, int64_t tb0, int64_t tb1) {
    if (block)
      for (int64_t i = 0; i < (tb1 - tb0) * kGroup; ++i) o[i].facc = _mm512_setzero_ps();
    // Per-block scales: one segment per chunk, so each block's sums can be scaled on their own.
    const int64_t step = block ? 1 : kChunk;
    // one token pair x one tile pair: the sums stay in the tile registers across the chunks
    const bool one_pair = one_pair_block(tb0, tb1, ng);
    for (int64_t s0 = 0; s0 < segs; s0 += step) {
      const int64_t s1 = segs - s0 < step ? segs : s0 + step;
      for (int p = 0; p < ng; ++p)
        avx512::decode_tile_by(a, tile + p, s0, s1, d, panel + p * kChunk * 4096, amx_decode_step);
      // an odd group's last pair multiplies zeros for its missing tile (its rows are not stored)
      if (ng % 2) std::memset(panel + ng * kChunk * 4096, 0, (size_t)(s1 - s0) * 4096);
      // the next chunk's weights, a share per token pair, so its decode finds them in cache (BitNet
      // 2B prefill on the Xeon, weights in DRAM: pp128 ~236 -> ~275 tok/s at 1 thread, ~452 ->
      // ~515 at 2; the kernel bench's weights sit in L3 and hardly show it)
      t3::NextChunkPrefetch next(a, false, tile, kGroup, (int)step, s1, end);
      const ChunkSums sums_role = chunk_sums(block, one_pair, s0, s1, segs);
      for (int64_t t = tb0; t < tb1; t += 2 * kHalf) {
        next.step((tb1 - tb0 + 2 * kHalf - 1) / (2 * kHalf));
        const int halves = tb1 - t > kHalf ? 2 : 1;
        const int8_t* const h[2] = {rec.half_tiles(t), halves == 2 ? rec.half_tiles(t + kHalf) : nullptr};
        Out* ot = o + (t - tb0) * kGroup;
        for (int p = 0; p < ng; p += 2) {
          pair_chunk(h, halves, sums_role, s0, s1, panel, p, ot);
          if (!block) continue;
          // this segment's sums, less the codes' +1 (the block's activation sum), scaled
          for (int64_t i = t; i < t + halves * kHalf && i < tb1; ++i) {
            const int32_t asum = rec.block_sums(i)[s0];
            for (int q = p; q < p + 2 && q < ng; ++q) {
              Out& r = o[(i - tb0) * kGroup + q];
              avx512::block_done(a, tile + q, s0, _mm512_sub_epi32(r.isum, _mm512_set1_epi32(asum)), r);
            }
          }
        }
      }
      next.finish();
    }
    for (int64_t t = tb0; t < tb1; ++t) {
      const t3::ActHeader* hdr = rec.header(t);
      for (int p = 0; p < ng; ++p) {
        Out r = o[(t - tb0) * kGroup + p];
        if (!block) r.isum = _mm512_sub_epi32(r.isum, _mm512_set1_epi32(hdr->sum));
        avx512::store_rows(a, tile + p, t, avx512::finish(a, r, hdr->inv_scale));
      }
    }
  });
}

}  // namespace amx
}  // namespace ryzen
