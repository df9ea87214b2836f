// Block sizes and bytes per block as ggml defines them (ggml-common.h), plus bitnet.cpp's I2_S.
#include "dtype.h"

namespace ryzen {

namespace {

struct Entry {
  int32_t id;
  DTypeTraits traits;
};

// I2_S packs 128 weights into 32 bytes over the flattened tensor and appends one 32-byte tail
// (the f32 scale) per tensor, so its size is computed per tensor, not per row.
constexpr Entry kTypes[] = {
    {0, {"f32", 1, 4, true}},       {1, {"f16", 1, 2, true}},       {2, {"q4_0", 32, 18, true}},
    {8, {"q8_0", 32, 34, true}},    {12, {"q4_K", 256, 144, true}}, {14, {"q6_K", 256, 210, true}},
    {24, {"i8", 1, 1, true}},       {25, {"i16", 1, 2, true}},      {26, {"i32", 1, 4, true}},
    {30, {"bf16", 1, 2, true}},     {34, {"tq1_0", 256, 54, true}}, {35, {"tq2_0", 256, 66, true}},
    {36, {"i2_s", 128, 32, true}},
};

constexpr int64_t kI2sTail = 32;
constexpr int64_t kMaxBytes = int64_t(1) << 50;  // far beyond any real tensor; guards overflow

}  // namespace

DTypeTraits dtype_traits(int32_t type) {
  for (const Entry& e : kTypes)
    if (e.id == type) return e.traits;
  return {"unknown", 0, 0, false};
}

int64_t dtype_row_bytes(int32_t type, int64_t cols) {
  if (type == (int32_t)DType::I2_S) return -1;
  const DTypeTraits t = dtype_traits(type);
  if (!t.known || cols <= 0 || cols % t.block_size != 0 || cols > kMaxBytes) return -1;
  return cols / t.block_size * t.type_size;
}

int64_t dtype_tensor_bytes(int32_t type, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0 || rows > kMaxBytes || cols > kMaxBytes) return -1;
  if (type == (int32_t)DType::I2_S) {
    if (cols % 128 != 0 || rows > kMaxBytes / cols) return -1;
    return rows * cols / 4 + kI2sTail;
  }
  const int64_t row = dtype_row_bytes(type, cols);
  if (row < 0 || rows > kMaxBytes / row) return -1;
  return row * rows;
}

}  // namespace ryzen
