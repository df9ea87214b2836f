// Weight-format plumbing shared by ops and the JS API: find a tensor's format, prepare
// (repack) matmul weights once per tensor, and decode any known type to f32.
#pragma once
#include <cstdint>
#include <memory>

#include "matmul.h"
#include "tensor.h"

namespace ryzen {

// The registered format for `type`, or throws KernelException(UnknownType).
const WeightFormat& require_weight_format(DType type);

// Bytes the tensor occupies on disk / in memory (handles I2_S's tensor tail).
size_t tensor_bytes(const Tensor& t);

// w->weights, preparing and caching it on first use. Throws on bad sizes or unknown type.
std::shared_ptr<MatmulWeights> prepared_weights(Tensor& w);

// Whether dequantize_elements can decode `type` (plain integer/f32 types natively, others
// through their WeightFormat).
bool can_dequantize(DType type);
// Decode `count` elements from element `first` of a tensor of `type` stored in src[0, src_bytes).
void dequantize_elements(DType type, const uint8_t* src, size_t src_bytes, int64_t first, int64_t count,
                         float* dst);

}  // namespace ryzen
