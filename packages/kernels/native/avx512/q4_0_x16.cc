// Q4_0 and Q8_0 on their x16 layouts (formats/q4_0_x16.h, q8_0_x16.h) with AVX-512 VNNI. Each
// 64-byte Q4_0 code group gives two vpdpbusd operands (low and high nibbles: 16 rows x 4 columns
// of unsigned codes q = w/d + 8; Q8_0: two 64-byte vectors of codes + 128); a token's 4
// activations per operand are broadcast, so one vpdpbusd does 64 multiply-adds with no per-token
// sign fix-up (the on-disk layout needs one per token and block). Per block and token: the codes'
// offset comes off with the activation block sum, then one fma applies d_w * d_a.
// Decode runs one tile at a time (one weight stream, two dependency chains); more tokens run
// 2 tiles x 4 tokens, so each decoded group feeds 8 vpdpbusd. Every output takes the same operations in the same order on all paths (and as the
// scalar kernel), so a token gives the same bits alone or inside a batch.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <cstring>
#include "avx512/x16_common.h"
#include "core/prefetch.h"
#include "formats/q8_0_x16.h"
#include "scalar/quant_kernels.h"

namespace ryzen {
namespace avx512 {
namespace {

struct Ctx {
  const uint8_t* data;
  int64_t rows, K, blocks;
  const GemmArgs* g;
};

// The two vpdpbusd operands of group L (columns 8L..8L+3 and 8L+4..8L+7) of a block, by layout.
struct Q4Codes {
  static constexpr q4x16::TileLayout kTiles = q4x16::kTiles;
  static constexpr int kOffset = 8;
  static inline void operands(const uint8_t* blk, int L, __m512i m4, __m512i& lo, __m512i& hi) {
    const __m512i v = _mm512_loadu_si512(blk + 64 * L);
    lo = _mm512_and_si512(v, m4);
    hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
  }
};
struct Q8Codes {
  static constexpr q4x16::TileLayout kTiles = q8x16::kTiles;
  static constexpr int kOffset = 128;
  static inline void operands(const uint8_t* blk, int L, __m512i, __m512i& lo, __m512i& hi) {
    lo = _mm512_loadu_si512(blk + 128 * L);
    hi = _mm512_loadu_si512(blk + 128 * L + 64);
  }
};

// Tiles [tile, tile + NT) for tokens [t0, t0 + T); rows stored below `r1` only.
template <class C, int NT, int T>
static void tiles_tokens(const Ctx& c, int64_t tile, int64_t t0, int64_t r1) {
  const GemmArgs& g = *c.g;
  const ActRows<T, 32> acts(g, t0);
  const auto &q = acts.q, &d = acts.d, &s = acts.s;
  const uint8_t* codes[NT];
  const uint16_t* scales[NT];
  for (int p = 0; p < NT; ++p) {
    codes[p] = C::kTiles.tile_codes(c.data, c.K, tile + p);
    scales[p] = q4x16::tile_scales(C::kTiles, c.data, c.rows, c.K, tile + p);
  }
  // decode streams its weights once: fetch ~9 KB ahead (core/prefetch.h), split over the NT tile streams
  // (the first token block streams the tiles; the others find them in L2)
  const int64_t ahead_blocks = T == 1 || t0 == 0 ? kPrefetchAheadBytes / (C::kTiles.code * NT) : 0;
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  __m512 facc[T][NT];
  for (int t = 0; t < T; ++t)
    for (int p = 0; p < NT; ++p) facc[t][p] = _mm512_setzero_ps();
  for (int64_t b = 0; b < c.blocks; ++b) {
    if (ahead_blocks)
      for (int p = 0; p < NT; ++p) prefetch_aligned_lines<(int)(C::kTiles.code / 64)>(codes[p] + (b + ahead_blocks) * C::kTiles.code);
    // one tile and token: two dependency chains (low and high nibbles), added at the end
    constexpr bool kTwoChains = T * NT == 1;
    // the codes' offset comes off up front: each sum starts at -offset * (the block's activation sum)
    __m512i acc[T][NT], acc_hi[T][NT];
    for (int t = 0; t < T; ++t) {
      const __m512i start = _mm512_set1_epi32(-C::kOffset * s[t][b]);
      for (int p = 0; p < NT; ++p) acc[t][p] = start, acc_hi[t][p] = _mm512_setzero_si512();
    }
    for (int L = 0; L < 4; ++L) {
      __m512i lo[NT], hi[NT];
      for (int p = 0; p < NT; ++p) C::operands(codes[p] + b * C::kTiles.code, L, m4, lo[p], hi[p]);
      for (int t = 0; t < T; ++t) {
        const __m512i a0 = bcast4(q[t] + b * 32 + 8 * L), a1 = bcast4(q[t] + b * 32 + 8 * L + 4);
        for (int p = 0; p < NT; ++p) {
          acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], lo[p], a0);
          if (kTwoChains) acc_hi[t][p] = _mm512_dpbusd_epi32(acc_hi[t][p], hi[p], a1);
          else acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], hi[p], a1);
        }
      }
    }
    __m512 dw[NT];
    for (int p = 0; p < NT; ++p) dw[p] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(scales[p] + b * 16)));
    if (kTwoChains) acc[0][0] = _mm512_add_epi32(acc[0][0], acc_hi[0][0]);
    for (int t = 0; t < T; ++t) {
      const __m512 da = _mm512_set1_ps(d[t][b]);
      for (int p = 0; p < NT; ++p)
        facc[t][p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t][p]), _mm512_mul_ps(dw[p], da), facc[t][p]);
    }
  }
  for (int p = 0; p < NT; ++p)
    for (int t = 0; t < T; ++t) store_tile(g.y + (t0 + t) * g.ldy, tile + p, r1, facc[t][p]);
}

template <class C>
void gemm(const uint8_t* data, int64_t rows, const GemmArgs& g) {
  const Ctx c{data, rows, g.K, g.K / 32, &g};
  run_tiles<4>([&](auto NT, auto T, int64_t tile, int64_t t0) { tiles_tokens<C, NT, T>(c, tile, t0, g.r1); }, g);
}

}  // namespace

void gemm_q4_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) { gemm<Q4Codes>(data, rows, g); }
void gemm_q8_0_x16(const uint8_t* data, int64_t rows, const GemmArgs& g) { gemm<Q8Codes>(data, rows, g); }

}  // namespace avx512
}  // namespace ryzen
