// Tensor element types. Values below 1000 are GGUF/ggml type ids (on-disk meaning);
// 1000+ are engine-internal layouts that only exist in memory after repacking.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ryzen {

enum class DType : int32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q8_0 = 8,
  Q4_K = 12,
  Q6_K = 14,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  I2_S = 36,  // bitnet.cpp's id in its own files (microsoft/bitnet-b1.58-2B-4T-gguf)
};

struct DTypeTraits {
  const char* name;
  int64_t block_size;  // elements per block (1 for plain types)
  int64_t type_size;   // bytes per block
  bool known;
};

// Traits for a GGUF type id; known=false for ids this engine does not support.
DTypeTraits dtype_traits(int32_t type);

// Bytes of one row of `cols` elements, or -1 if cols is not a multiple of the block size.
// I2_S has no per-row size: its tensor is n/4 bytes plus a 32-byte tail (see i2s_tensor_bytes).
int64_t dtype_row_bytes(int32_t type, int64_t cols);

// Bytes of a whole tensor of rows x cols (handles I2_S's tensor-level tail), -1 if invalid.
int64_t dtype_tensor_bytes(int32_t type, int64_t rows, int64_t cols);

}  // namespace ryzen
