// A tensor is a typed, shaped view of bytes owned by a Storage (arena block, mmap, or an
// external buffer kept alive by a reference). Rows are contiguous: ne[0] is the inner
// dimension; nb[i] are byte strides (nb[0] = element/block size).
#pragma once
#include <cstdint>
#include <memory>
#include "dtype.h"
#include "matmul.h"

namespace ryzen {

struct Storage {
  uint8_t* data = nullptr;
  size_t bytes = 0;
  virtual ~Storage() = default;  // frees/unmaps in the subclass
  // True when the memory was taken away from under the engine (a JS ArrayBuffer that was
  // detached/transferred); such storage must not be read or written any more.
  virtual bool detached() const { return false; }
  // Identifies memory owned by a foreign object (the N-API layer's JS ArrayBuffer storage
  // returns its own tag); null for engine-owned memory. Avoids RTTI, which the addon lacks.
  virtual const void* foreign_tag() const { return nullptr; }
  // True for a read-only file mapping: pages not needed any more can be dropped (they would be
  // read back from the file if touched again).
  virtual bool file_backed() const { return false; }
};

struct Tensor {
  std::shared_ptr<Storage> storage;
  uint8_t* data = nullptr;          // first byte of this view (inside storage)
  DType type = DType::F32;
  int n_dims = 1;
  int64_t ne[4] = {1, 1, 1, 1};     // elements per dimension, ne[0] innermost
  int64_t nb[4] = {0, 0, 0, 0};     // byte strides
  std::shared_ptr<MatmulWeights> weights;  // set when prepared for matmul (engine layout)

  int64_t rows() const { return ne[1] * ne[2] * ne[3]; }
  int64_t elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  template <typename T> T* as() const { return reinterpret_cast<T*>(data); }
  float* f32_row(int64_t r) const { return reinterpret_cast<float*>(data + r * nb[1]); }
};

using TensorPtr = std::shared_ptr<Tensor>;

}  // namespace ryzen
