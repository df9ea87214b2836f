// The engine's memory pool: 64-byte-aligned blocks for tensors (activations, KV cache, scratch)
// with reserved / used / peak statistics. Freed blocks are cached per size for reuse (a model
// allocates the same sizes again and again) up to a cap, beyond which they go back to the OS.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "tensor.h"

namespace ryzen {

constexpr size_t kAlign = 64;

struct MemoryStats {
  size_t reserved;  // bytes held from the OS: in use + cached free blocks
  size_t used;      // bytes handed out and not yet returned
  size_t peak;      // max of `used` since start or the last reset_peak()
  size_t mapped;    // bytes of live read-only file mappings
  size_t prepared;  // bytes of live repacked matmul weights (engine-layout copies, outside the pool)
};

// 64-byte aligned; zeroed when `zero`. Throws KernelException(OutOfMemory).
void* pool_alloc(size_t bytes, bool zero);
void pool_free(void* p, size_t bytes);
MemoryStats memory_stats();
void memory_reset_peak();
void memory_add_mapped(int64_t delta);
void memory_add_prepared(int64_t delta);

// A buffer for repacked weights (read-mostly, streamed by the matmul kernels), 64-byte aligned;
// null when out of memory. In transparent huge pages (2 MB-aligned anonymous mappings; buffers
// under 2 MB share them), so a kernel streaming them takes no 4 KB TLB miss per page (and reads
// them as fast as the bandwidth probe reads its pool block).
std::shared_ptr<uint8_t> alloc_weight_buffer(size_t bytes);

// Storage backed by the pool; returns its block when the last reference goes.
std::shared_ptr<Storage> make_pool_storage(size_t bytes, bool zero);

// A pool block owned by one object (plan scratch and similar).
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes) { resize(bytes); }
  ~AlignedBuffer() { release(); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  // Grows to at least `bytes` (contents not kept).
  void reserve(size_t bytes) {
    if (bytes > bytes_) resize(bytes);
  }
  uint8_t* data() const { return data_; }
  size_t size() const { return bytes_; }

 private:
  void resize(size_t bytes) {
    release();
    if (bytes) data_ = (uint8_t*)pool_alloc(bytes, false);
    bytes_ = bytes;
  }
  void release() {
    if (data_) pool_free(data_, bytes_);
    data_ = nullptr;
    bytes_ = 0;
  }
  uint8_t* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace ryzen
