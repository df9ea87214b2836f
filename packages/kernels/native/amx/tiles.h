// AMX tile state shared by the AMX kernels: every tile register as 16 rows x 64 bytes.
// In an anonymous namespace (AMX translation units only; see the ISA rule).
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>

namespace ryzen {
namespace amx {
namespace {

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

// A 2 x 2 block of int32 sums in tile registers 0..3 (register 2h + p: token half h, tile p of a
// tile pair), kept in memory between K-chunks: register 2h + p's rows start at
// c + h * next_half + p * next_tile, `stride` bytes apart. With one half, registers 0 and 1 only.
struct SumTiles {
  uint8_t* c;
  int64_t stride, next_tile, next_half;
  int halves;

  // Zeroed (the first chunk) or loaded from memory.
  void begin(bool fresh) const {
    if (fresh) {
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      return;
    }
    _tile_loadd(0, c, stride);
    _tile_loadd(1, c + next_tile, stride);
    if (halves == 2) {
      _tile_loadd(2, c + next_half, stride);
      _tile_loadd(3, c + next_half + next_tile, stride);
    }
  }
  void end() const {
    _tile_stored(0, c, stride);
    _tile_stored(1, c + next_tile, stride);
    if (halves == 2) {
      _tile_stored(2, c + next_half, stride);
      _tile_stored(3, c + next_half + next_tile, stride);
    }
  }
};

}  // namespace
}  // namespace amx
}  // namespace ryzen
