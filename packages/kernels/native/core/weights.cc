#include "weights.h"

#include <cstring>

#include "errors.h"

namespace ryzen {

const WeightFormat& require_weight_format(DType type) {
  const WeightFormat* f = find_weight_format(type);
  if (!f) {
    const DTypeTraits tr = dtype_traits((int32_t)type);
    fail(ErrorCode::UnknownType, std::string("no weight format is registered for type ") +
                                     (tr.known ? tr.name : std::to_string((int32_t)type)));
  }
  return *f;
}

size_t tensor_bytes(const Tensor& t) {
  const int64_t b = dtype_tensor_bytes((int32_t)t.type, t.rows(), t.ne[0]);
  return b < 0 ? 0 : (size_t)b;
}

std::shared_ptr<MatmulWeights> prepared_weights(Tensor& w) {
  if (w.weights) return w.weights;
  const WeightFormat& f = require_weight_format(w.type);
  auto mw = std::make_shared<MatmulWeights>();
  std::string err;
  if (!f.prepare(w.data, tensor_bytes(w), w.rows(), w.ne[0], w.storage, *mw, err))
    fail(ErrorCode::InvalidArgument, "cannot prepare " + std::string(dtype_traits((int32_t)w.type).name) +
                                         " weights: " + err);
  w.weights = mw;
  return mw;
}

namespace {

template <typename T>
void widen(const uint8_t* src, int64_t first, int64_t count, float* dst) {
  T v;
  for (int64_t k = 0; k < count; k++) {
    std::memcpy(&v, src + (first + k) * sizeof(T), sizeof(T));
    dst[k] = (float)v;
  }
}

}  // namespace

bool can_dequantize(DType type) {
  switch (type) {
    case DType::F32: case DType::I8: case DType::I16: case DType::I32: return true;
    default: {
      const WeightFormat* f = find_weight_format(type);
      return f && f->dequantize;
    }
  }
}

void dequantize_elements(DType type, const uint8_t* src, size_t src_bytes, int64_t first, int64_t count,
                         float* dst) {
  switch (type) {
    case DType::F32: std::memcpy(dst, src + first * 4, (size_t)count * 4); return;
    case DType::I8: widen<int8_t>(src, first, count, dst); return;
    case DType::I16: widen<int16_t>(src, first, count, dst); return;
    case DType::I32: widen<int32_t>(src, first, count, dst); return;
    default: break;
  }
  const WeightFormat& f = require_weight_format(type);
  if (!f.dequantize) fail(ErrorCode::UnknownType, std::string(dtype_traits((int32_t)type).name) + " cannot be dequantized");
  f.dequantize(src, src_bytes, first, count, dst);
}

}  // namespace ryzen
