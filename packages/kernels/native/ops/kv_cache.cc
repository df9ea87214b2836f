#include "kv_cache.h"
#include <cstring>
#include "core/fp16.h"
#include "op_util.h"
#include "scalar/quant_ref.h"

namespace ryzen {

int64_t kv_head_bytes(DType type, int64_t head_dim) {
  if (type == DType::Q8_0) return head_dim / 32 * 34;
  return type == DType::F32 ? head_dim * 4 : head_dim * 2;
}

void kv_encode(DType type, const float* src, int64_t count, uint8_t* dst) {
  if (type == DType::Q8_0) {
    quantize_row_q8_0(src, dst, count);
    return;
  }
  if (type == DType::F32) {
    std::memcpy(dst, src, (size_t)count * sizeof(float));
    return;
  }
  active_ops().encode_f16(src, dst, count);
}

void kv_decode(DType type, const uint8_t* src, int64_t count, float* dst) {
  if (type == DType::Q8_0) {
    dequantize_row_q8_0(src, dst, count);
    return;
  }
  if (type == DType::F32) {
    std::memcpy(dst, src, (size_t)count * sizeof(float));
    return;
  }
  for (int64_t i = 0; i < count; i++) dst[i] = fp16_to_f32((uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)));
}

std::string check_kv_cache(const OpNode& node, size_t k, const char* name, int64_t kv_dim, int64_t head_dim) {
  const Tensor& c = *node.t[k];
  const std::string who = "operand '" + std::string(name) + "' (t[" + std::to_string(k) + "])";
  if (c.type != DType::F32 && c.type != DType::F16 && c.type != DType::Q8_0)
    return who + " must be an f32, f16 or q8_0 KV cache, got " + type_shape_str(c);
  if (c.ne[0] != kv_dim || c.n_dims < 2)
    return who + " must have shape [" + std::to_string(kv_dim) + " (nHeadKv*headDim), ctx, slots], got " +
           type_shape_str(c);
  if (c.type == DType::Q8_0 && head_dim % 32 != 0)
    return who + " is q8_0, which needs headDim to be a multiple of 32 (got " + std::to_string(head_dim) + ")";
  return "";
}

std::string KvIdCheck::report(const Tensor& cache, const Tensor& seq, const Tensor& pos, const char* effect) const {
  const int64_t t = bad_token.exchange(-1, std::memory_order_relaxed);
  if (t < 0) return "";
  return "token " + std::to_string(t) + " has seq=" + std::to_string(((const int32_t*)seq.data)[t]) +
         " pos=" + std::to_string(((const int32_t*)pos.data)[t]) + ", outside the cache (slots " +
         std::to_string(kv_slots(cache)) + ", ctx " + std::to_string(kv_ctx(cache)) + "); " + effect;
}

}  // namespace ryzen
