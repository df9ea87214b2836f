// Building tensors and views with checked shapes (all failures are KernelExceptions).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor.h"

namespace ryzen {

// Bytes a tensor of `type` and GGUF-order `shape` (1..4 dims, shape[0] innermost) occupies.
// Throws UnknownType / InvalidArgument naming the problem.
int64_t shape_bytes(DType type, const std::vector<int64_t>& shape);
// Checks that `type` is a known type id and returns it.
DType checked_dtype(int64_t type);

// A contiguous tensor over storage bytes [data, data + shape_bytes) (must lie inside storage).
TensorPtr make_tensor(DType type, const std::vector<int64_t>& shape, std::shared_ptr<Storage> storage,
                      uint8_t* data);
// A zeroed tensor from the memory pool.
TensorPtr make_pool_tensor(DType type, const std::vector<int64_t>& shape);
// Rows [first, first+count) of t (shape[1..] flattened) as a [shape[0], count] view.
TensorPtr view_rows(const Tensor& t, int64_t first, int64_t count);
// The same bytes with another shape of the same size.
TensorPtr view_reshape(const Tensor& t, const std::vector<int64_t>& shape);
std::vector<int64_t> tensor_shape(const Tensor& t);

}  // namespace ryzen
