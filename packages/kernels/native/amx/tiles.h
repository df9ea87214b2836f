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

}  // namespace
}  // namespace amx
}  // namespace ryzen
