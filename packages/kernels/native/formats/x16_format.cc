#include "formats/x16_format.h"

#include <cstdlib>
#include <cstring>
#include "core/memory.h"

namespace ryzen {

namespace {

bool x16_chosen(const X16Format& f) {
  if (const char* e = std::getenv(f.env)) {
    if (!std::strcmp(e, "x16")) return true;
    if (!std::strcmp(e, "gguf")) return false;
  }
  return (int)active_isa() >= (int)f.min_isa;
}

}  // namespace

bool prepare_x16(const X16Format& f, const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols,
                 std::shared_ptr<void> owner, MatmulWeights& out, std::string& err) {
  if (!prepare_alias(f.type, src, src_bytes, rows, cols, std::move(owner), out, err)) return false;
  if (!x16_chosen(f)) return true;
  const size_t bytes = f.tiles.total_bytes(rows, cols);
  std::shared_ptr<uint8_t> buf = alloc_weight_buffer(bytes);
  if (!buf) return true;  // out of memory for the copy: keep the block layout
  std::memset(buf.get(), 0, bytes);  // padding rows: zero codes and scales
  f.repack(src, rows, cols, buf.get());
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
