#include "tensor_make.h"

#include <string>

#include "errors.h"
#include "memory.h"
#include "weights.h"

namespace ryzen {

namespace {

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t k = 0; k < shape.size(); k++) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + "]";
}

// Plain element types need their natural alignment for typed views and kernels.
size_t required_alignment(DType type) {
  const DTypeTraits t = dtype_traits((int32_t)type);
  return t.block_size == 1 ? (size_t)t.type_size : 1;
}

}  // namespace

DType checked_dtype(int64_t type) {
  if (type < 0 || type > INT32_MAX || !dtype_traits((int32_t)type).known)
    fail(ErrorCode::UnknownType, "unknown tensor type " + std::to_string(type));
  return (DType)type;
}

int64_t shape_bytes(DType type, const std::vector<int64_t>& shape) {
  if (shape.empty() || shape.size() > 4)
    fail(ErrorCode::InvalidArgument, "shape must have 1 to 4 dimensions, got " + std::to_string(shape.size()));
  int64_t rows = 1;
  for (int64_t d : shape)
    if (d <= 0) fail(ErrorCode::InvalidArgument, "shape " + shape_str(shape) + " has a non-positive dimension");
  for (size_t k = 1; k < shape.size(); k++) {
    if (rows > (int64_t(1) << 50) / shape[k]) fail(ErrorCode::InvalidArgument, "shape " + shape_str(shape) + " is too large");
    rows *= shape[k];
  }
  const DTypeTraits tr = dtype_traits((int32_t)type);
  const int64_t block = type == DType::I2_S ? 128 : tr.block_size;  // I2_S packs 128 weights per 32 bytes
  if (shape[0] % block != 0)
    fail(ErrorCode::InvalidArgument, std::string(tr.name) + " shape " + shape_str(shape) +
                                         ": shape[0] must be a multiple of the block size " + std::to_string(block));
  const int64_t bytes = dtype_tensor_bytes((int32_t)type, rows, shape[0]);
  if (bytes < 0) fail(ErrorCode::InvalidArgument, "shape " + shape_str(shape) + " is too large");
  return bytes;
}

TensorPtr make_tensor(DType type, const std::vector<int64_t>& shape, std::shared_ptr<Storage> storage,
                      uint8_t* data) {
  const int64_t bytes = shape_bytes(type, shape);
  if (!storage || data < storage->data || (size_t)(data - storage->data) > storage->bytes ||
      (size_t)bytes > storage->bytes - (size_t)(data - storage->data))
    fail(ErrorCode::InvalidArgument, "tensor of " + std::to_string(bytes) + " bytes does not fit its buffer");
  const size_t align = required_alignment(type);
  if ((uintptr_t)data % align != 0)
    fail(ErrorCode::InvalidArgument, std::string(dtype_traits((int32_t)type).name) + " data must be " +
                                         std::to_string(align) + "-byte aligned");
  auto t = std::make_shared<Tensor>();
  t->storage = std::move(storage);
  t->data = data;
  t->type = type;
  t->n_dims = (int)shape.size();
  for (size_t k = 0; k < shape.size(); k++) t->ne[k] = shape[k];
  const DTypeTraits tr = dtype_traits((int32_t)type);
  t->nb[0] = tr.type_size;
  t->nb[1] = type == DType::I2_S ? shape[0] / 4 : dtype_row_bytes((int32_t)type, shape[0]);
  for (int k = 2; k < 4; k++) t->nb[k] = t->nb[k - 1] * t->ne[k - 1];
  return t;
}

TensorPtr make_pool_tensor(DType type, const std::vector<int64_t>& shape) {
  const int64_t bytes = shape_bytes(type, shape);
  auto storage = make_pool_storage((size_t)bytes, true);
  uint8_t* data = storage->data;
  return make_tensor(type, shape, std::move(storage), data);
}

TensorPtr view_rows(const Tensor& t, int64_t first, int64_t count) {
  if (t.type == DType::I2_S) fail(ErrorCode::InvalidArgument, "i2_s tensors have a tensor-level scale; row views are not supported");
  if (first < 0 || count <= 0 || first > t.rows() || count > t.rows() - first)
    fail(ErrorCode::InvalidArgument, "rows(" + std::to_string(first) + ", " + std::to_string(count) +
                                         ") is outside the tensor's " + std::to_string(t.rows()) + " rows");
  return make_tensor(t.type, {t.ne[0], count}, t.storage, t.data + first * t.nb[1]);
}

TensorPtr view_reshape(const Tensor& t, const std::vector<int64_t>& shape) {
  const int64_t bytes = shape_bytes(t.type, shape);
  const std::vector<int64_t> old = tensor_shape(t);
  int64_t n_new = 1, n_old = t.elements();
  for (int64_t d : shape) n_new *= d;
  if (n_new != n_old || bytes != shape_bytes(t.type, old))
    fail(ErrorCode::ShapeMismatch, "cannot reshape " + shape_str(old) + " to " + shape_str(shape) +
                                       " (element counts differ)");
  return make_tensor(t.type, shape, t.storage, t.data);
}

std::vector<int64_t> tensor_shape(const Tensor& t) { return std::vector<int64_t>(t.ne, t.ne + t.n_dims); }

}  // namespace ryzen
