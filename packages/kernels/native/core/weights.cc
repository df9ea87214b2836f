#include "weights.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "errors.h"
#include "memory.h"

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

namespace {

// Keeps a repacked copy's owner and counts its bytes in memory_stats().prepared while alive.
struct PreparedCopy {
  std::shared_ptr<void> owner;
  size_t bytes;
  PreparedCopy(std::shared_ptr<void> o, size_t b) : owner(std::move(o)), bytes(b) { memory_add_prepared((int64_t)b); }
  ~PreparedCopy() { memory_add_prepared(-(int64_t)bytes); }
};

// A file-mapped source that was repacked is not read again by matmuls: drop its resident pages
// (whole pages inside the tensor only) so a model's RSS holds one copy of its weights. Safe for
// any other reader of those bytes: a dropped page of a file mapping is read back from the file.
void release_source_pages(const Tensor& w, size_t bytes) {
  if (!w.storage || !w.storage->file_backed()) return;
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t b = ((uintptr_t)w.data + page - 1) / page * page;
  const uintptr_t e = ((uintptr_t)w.data + bytes) / page * page;
  if (e > b) madvise((void*)b, e - b, MADV_DONTNEED);
}

// Weights kept in their file layout (Q6_K/Q8_0 heads, F16, ...) are streamed in full every token
// like the repacked ones, but from the file's 4 KB pages: a TLB miss every 4 KB. A large one is
// copied once into huge-page memory (its file pages are then dropped, so RSS does not grow).
bool move_to_huge_pages(const Tensor& w, MatmulWeights& mw) {
  constexpr size_t kMinBytes = size_t(2) << 20;
  if (!w.storage || !w.storage->file_backed() || mw.bytes < kMinBytes || mw.data != w.data) return false;
  std::shared_ptr<uint8_t> copy = alloc_weight_buffer(mw.bytes);
  if (!copy) return false;  // out of memory: keep streaming from the mapping
  std::memcpy(copy.get(), mw.data, mw.bytes);
  mw.data = copy.get();
  mw.owner = std::move(copy);
  return true;
}

// Repacking reads a file-mapped tensor once: map its pages in one call instead of a page fault
// per 4 KB (a 2B model's ~0.7 GB of weights: ~180k faults). Best effort (Linux >= 5.14).
void populate_source_pages(const Tensor& w, size_t bytes) {
#ifdef MADV_POPULATE_READ
  if (!w.storage || !w.storage->file_backed()) return;
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t b = (uintptr_t)w.data / page * page, e = (uintptr_t)w.data + bytes;
  if (e > b) madvise((void*)b, e - b, MADV_POPULATE_READ);
#else
  (void)w, (void)bytes;
#endif
}

}  // namespace

std::shared_ptr<MatmulWeights> prepared_weights(Tensor& w) {
  if (w.weights) return w.weights;
  const WeightFormat& f = require_weight_format(w.type);
  auto mw = std::make_shared<MatmulWeights>();
  std::string err;
  populate_source_pages(w, tensor_bytes(w));
  if (!f.prepare(w.data, tensor_bytes(w), w.rows(), w.ne[0], w.storage, *mw, err))
    fail(ErrorCode::InvalidArgument, "cannot prepare " + std::string(dtype_traits((int32_t)w.type).name) +
                                         " weights: " + err);
  const size_t src_bytes = tensor_bytes(w);
  bool copied = mw->data && (mw->data + mw->bytes <= w.data || mw->data >= w.data + src_bytes);
  if (!copied) copied = move_to_huge_pages(w, *mw);
  if (copied) {
    mw->owner = std::make_shared<PreparedCopy>(std::move(mw->owner), mw->bytes);
    release_source_pages(w, src_bytes);
  }
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
