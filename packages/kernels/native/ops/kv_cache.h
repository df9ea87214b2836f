// KV-cache layout shared by "kv_store", "attention" and "kv_shift": a cache tensor has shape
// [kvDim, ctx, slots] (kvDim = nHeadKv * headDim) in F32, F16 or Q8_0; row (slot s, position p) is at
// data + s*nb[2] + p*nb[1]; KV head h occupies a contiguous segment of that row.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include "core/op.h"

namespace ryzen {

// Bytes of one head segment (F32: 4*hd; F16: 2*hd; Q8_0: hd/32 blocks of 34 bytes).
int64_t kv_head_bytes(DType type, int64_t head_dim);
inline uint8_t* kv_row(const Tensor& c, int64_t slot, int64_t pos) { return c.data + slot * c.nb[2] + pos * c.nb[1]; }
inline int64_t kv_ctx(const Tensor& c) { return c.ne[1]; }
inline int64_t kv_slots(const Tensor& c) { return c.ne[2] * c.ne[3]; }

// Encodes `count` floats into cache bytes (F32 verbatim; Q8_0 with llama.cpp's reference
// quantizer) and back.
void kv_encode(DType type, const float* src, int64_t count, uint8_t* dst);
void kv_decode(DType type, const uint8_t* src, int64_t count, float* dst);

// Checks operand k is an F32/F16/Q8_0 cache of shape [kvDim, ctx, slots] whose heads split into
// whole Q8_0 blocks (head_dim % 32 == 0 for Q8_0).
std::string check_kv_cache(const OpNode& node, size_t k, const char* name, int64_t kv_dim, int64_t head_dim);

// Run-time check of the (seq, pos) ids a Plan rewrites between runs: run() skips a token whose
// slot or position lies outside the cache and records the first one; after_run() reports it.
struct KvIdCheck {
  mutable std::atomic<int64_t> bad_token{-1};
  // True when (seq, pos) addresses a row of `cache`; otherwise records token t.
  bool ok(const Tensor& cache, int64_t t, int32_t seq, int32_t pos) const {
    if (seq >= 0 && seq < kv_slots(cache) && pos >= 0 && pos < kv_ctx(cache)) return true;
    int64_t none = -1;
    bad_token.compare_exchange_strong(none, t, std::memory_order_relaxed);
    return false;
  }
  // "" or the error for the first bad token (and resets for the next run).
  std::string report(const Tensor& cache, const Tensor& seq, const Tensor& pos, const char* effect) const;
};

}  // namespace ryzen
