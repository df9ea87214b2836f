// T3: the engine's in-memory layout for ternary weights (TQ1_0, TQ2_0 and I2_S all repack to it).
//
// Why: decode is memory-bound, so the layout spends ~1.72 bits per weight (vs 2 in TQ2_0/I2_S),
// and it is shaped for table-lookup kernels (vpshufb: one 16-entry table per 128-bit lane).
//
//  * Rows are grouped in tiles of 16 (padded with zero weights).
//  * K is cut into segments of 256 weights (the TQ block; I2_S pads K to a multiple of 256).
//  * A segment is 86 groups of 3 consecutive weights (the last holds 1 weight + 2 zero pads),
//    padded to 88 groups = 11 "steps" of 8 groups.
//  * A group's trits (t0,t1,t2) give v = 9(t0+1) + 3(t1+1) + (t2+1) in 0..26; mirror symmetry
//    (v <-> 26-v is negation) stores m = |v-13| in 0..13 (a nibble) plus a sign bit.
//  * One step = 80 bytes for 16 rows x 8 groups:
//      idx[64]: byte 4i+L (row i=0..15, slot L=0..3): low nibble = m(row i, group 2L),
//               high nibble = m(row i, group 2L+1)   (so one byte = 6 consecutive weights)
//      sign[2] (uint64): [0] bit 4i+L = sign of the low-nibble group of byte 4i+L, [1] the same
//               for the high-nibble groups.
//    (Each row's 4 slots share one dword, so a 64-entry vpermb table (slot L at entries 16L..16L+15)
//    looks up 16 rows x 4 groups and vpdpbusd sums a row's 4 lookups; the sign bits are the
//    lookups' byte mask.)
//  * Tile = segments x 11 steps. Rows longer than 8 segments are cut into K-chunks of at most 8
//    segments (chunk_segs), and tiles are stored in bands of 16: a band holds chunk 0 of each of
//    its tiles, then chunk 1 of each, ... (seg_offset; inside one chunk a tile's segments are
//    contiguous, so kernels call it once per chunk). A kernel can then pass a band chunk by
//    chunk, reusing a token's tables (a chunk's fit L1: 2816 bytes per segment) while the
//    weights still stream sequentially. With <= 8 segments this is plain tile-major order.
//    (Measured on Zen 4, AVX-512 LUT GEMV, alternating processes, with run_prefetch.h: K = 2560
//    in two 5-segment chunks instead of whole 28 KB-table rows, 1 thread 3-4 % faster (2560x640,
//    2560x2560), 2 threads no slower, 2 tokens ~1.7x faster; 128-token MAD unchanged. Earlier,
//    K = 6912 in 9- or 14-segment chunks instead of 7 was slower.)
//    Per-block scales (layout T3_BLOCK) follow all tiles as float[tiles][segments][16].
//
// Header-only and `static inline` so ISA translation units can use it (see the ISA rule).
#pragma once
#include <cstdint>

namespace ryzen {
namespace t3 {

static const int kTileRows = 16;
static const int kSegK = 256;
static const int kGroupsPerSeg = 88;
static const int kStepsPerSeg = 11;
static const int kStepBytes = 80;
static const int kSegBytes = kStepsPerSeg * kStepBytes;  // 880 bytes per 16 rows x 256 weights

// Format-private layout tags (MatmulWeights::layout).
static const int kLayoutUniform = 1;  // one scale for the tensor (MatmulWeights::scale)
static const int kLayoutBlock = 2;    // one scale per 256-weight block per row

static inline int64_t segments(int64_t K) { return (K + kSegK - 1) / kSegK; }
static inline int64_t tiles(int64_t rows) { return (rows + kTileRows - 1) / kTileRows; }
static inline int64_t tile_bytes(int64_t K) { return segments(K) * kSegBytes; }
static inline int64_t code_bytes(int64_t rows, int64_t K) { return tiles(rows) * tile_bytes(K); }

static const int kBandTiles = 16;
static inline int64_t chunk_segs(int64_t K) {
  const int64_t s = segments(K), n = s <= 8 ? 1 : (s + 7) / 8;
  return (s + n - 1) / n;
}
// Byte offset of segment s of tile `tile` in the code area (see the layout notes above).
static inline int64_t seg_offset(int64_t rows, int64_t K, int64_t tile, int64_t s) {
  const int64_t segs = segments(K), ch = chunk_segs(K), nt = tiles(rows);
  const int64_t band = tile / kBandTiles, j = tile % kBandTiles;
  const int64_t in_band = nt - band * kBandTiles < kBandTiles ? nt - band * kBandTiles : kBandTiles;
  const int64_t c = s / ch, len = segs - c * ch < ch ? segs - c * ch : ch;
  return (band * kBandTiles * segs + c * ch * in_band + j * len + (s - c * ch)) * kSegBytes;
}
static inline int64_t scale_floats(int64_t rows, int64_t K) { return tiles(rows) * segments(K) * kTileRows; }
// Per-block scales (layout kLayoutBlock) start here, 64-byte aligned after the codes.
static inline int64_t scale_offset(int64_t rows, int64_t K) { return (code_bytes(rows, K) + 63) / 64 * 64; }

// ---- activation scratch shared by the kernels ----
// Each token's record starts with this 64-byte header.
struct ActHeader {
  float inv_scale;   // amax/127: y = isum * inv_scale * weight scale
  int32_t sum;       // sum of the int8 activations (MAD kernels use codes w+1)
  int32_t pad[14];
};

// LUT record: header, then per segment 11 steps x 256 bytes of tables:
//   [lo bytes of groups 0,2,4,6 (4x16)][hi bytes of 0,2,4,6][lo of 1,3,5,7][hi of 1,3,5,7]
// where table[m] (int16, split in bytes) = t0*a0 + t1*a1 + t2*a2 for v = 13 + m.
static const int kLutStepBytes = 256;
static inline int64_t lut_record_bytes(int64_t K) { return 64 + segments(K) * kStepsPerSeg * kLutStepBytes; }

// MAD record: header, then per-block activation sums (int32, padded to 64 bytes), then int8
// activations for K padded to a multiple of 256 (zeros), 64-byte aligned.
static inline int64_t mad_sums_bytes(int64_t K) { return (segments(K) * 4 + 63) / 64 * 64; }
static inline int64_t mad_record_bytes(int64_t K) { return 64 + mad_sums_bytes(K) + segments(K) * kSegK; }

// AMX record: per 16 tokens (a "half" of the AMX kernel's 32-token block), their 16 MAD record
// prefixes (header + block sums, mad_record_bytes apart would waste the activations' room) then
// their int8 activations as AMX A tiles, [K/64 slices][16 tokens][64 bytes], zero past K. Rows of
// tokens past n in the last half are never written (their sums are computed and dropped).
static inline int64_t amx_prefix_bytes(int64_t K) { return 64 + mad_sums_bytes(K); }
static inline int64_t amx_tiles_offset(int64_t K) { return 16 * amx_prefix_bytes(K); }
static inline int64_t amx_half_bytes(int64_t K) { return amx_tiles_offset(K) + segments(K) * 4 * 1024; }

// Step accessors (portable code): magnitude index and sign of row i, slot L, nibble h.
static inline int step_m(const uint8_t* step, int i, int L, int h) { return (step[4 * i + L] >> (4 * h)) & 15; }
static inline int step_neg(const uint8_t* step, int i, int L, int h) {
  uint64_t s;
  __builtin_memcpy(&s, step + 64 + 8 * h, 8);
  return (int)((s >> (4 * i + L)) & 1u);
}

// Trits of magnitude index m (0..13) for v = 13 + m: t0 = v/9-1, t1 = v/3%3-1, t2 = v%3-1.
static inline int trit_of(int m, int p) {
  const int v = 13 + m;
  const int d = p == 0 ? v / 9 : p == 1 ? (v / 3) % 3 : v % 3;
  return d - 1;
}

}  // namespace t3
}  // namespace ryzen
