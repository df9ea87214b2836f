#include "formats/x16_format.h"

#include <cstdlib>
#include <cstring>
#include <vector>
#include "core/memory.h"
#include "core/parallel.h"

namespace ryzen {

namespace {

bool x16_chosen(const X16Format& f) {
  if (const char* e = std::getenv(f.env)) {
    if (!std::strcmp(e, "x16")) return true;
    if (!std::strcmp(e, "gguf")) return false;
  }
  return (int)active_isa() >= (int)f.min_isa;
}

// Tiles [t0, t1) of the x16 copy: each tile's 16 rows decoded to codes, then packed unit by unit,
// every byte of the tile written (rows past the last are zero codes and scales).
void repack_tiles(const X16Format& f, const uint8_t* src, int64_t rows, int64_t K, uint8_t* dst, int64_t t0,
                  int64_t t1) {
  const q4x16::TileLayout& l = f.tiles;
  const int64_t units = K / l.unit;
  std::vector<uint8_t> codes((size_t)(q4x16::kTileRows * K));
  for (int64_t tile = t0; tile < t1; ++tile) {
    uint8_t* meta = l.tile_meta(dst, rows, K, tile);
    std::memset(meta, 0, (size_t)(units * l.meta));
    for (int i = 0; i < q4x16::kTileRows; ++i) {
      const int64_t r = tile * q4x16::kTileRows + i;
      if (r < rows) f.decode_row(src, r, K, codes.data() + i * K, meta, i);
      else std::memset(codes.data() + i * K, 0, (size_t)K);
    }
    uint8_t* out = l.tile_codes(dst, K, tile);
    for (int64_t u = 0; u < units; ++u) f.pack_unit(codes.data() + u * l.unit, K, out + u * l.code);
  }
}

}  // namespace

bool prepare_x16(const X16Format& f, const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols,
                 std::shared_ptr<void> owner, MatmulWeights& out, std::string& err) {
  if (!prepare_alias(f.type, src, src_bytes, rows, cols, std::move(owner), out, err)) return false;
  if (!x16_chosen(f)) return true;
  const size_t bytes = f.tiles.total_bytes(rows, cols);
  std::shared_ptr<uint8_t> buf = alloc_weight_buffer(bytes);
  if (!buf) return true;  // out of memory for the copy: keep the block layout
  parallel_repack(q4x16::tiles(rows), q4x16::kTileRows * cols,
                  [&](int64_t t0, int64_t t1, int) { repack_tiles(f, src, rows, cols, buf.get(), t0, t1); });
  out.data = buf.get();
  out.bytes = bytes;
  out.layout = f.layout;
  out.owner = buf;
  return true;
}

// x16 weights: the active ISA's x16 kernel, else the widest narrower one (scalar always exists).
const MatmulKernel* select_x16(const X16Format& f, Isa isa, const MatmulWeights& w) {
  if (w.layout != f.layout) return select_kernel(f.gguf, isa);
  for (int i = (int)isa; i > 0; i--)
    if (f.x16[i]) return f.x16[i];
  return f.x16[0];
}

int list_x16(const X16Format& f, Isa isa, const MatmulKernel** out, int max) {
  int n = list_kernels(f.gguf, isa, out, max);
  for (int i = (int)isa; i >= 0 && n < max; i--)
    if (f.x16[i]) out[n++] = f.x16[i];
  return n;
}

}  // namespace ryzen
