#include "memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "errors.h"

namespace ryzen {

namespace {

constexpr size_t kCacheCap = size_t(256) << 20;  // cached free bytes kept for reuse at most

struct Pool {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_blocks;  // by rounded size
  size_t cached = 0, used = 0, peak = 0;
  int64_t mapped = 0;
  int64_t prepared = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: blocks may be returned during process exit
  return *p;
}

size_t round_up(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// Large blocks (KV caches, big activations) come straight from mmap: page-aligned, already
// zero, committed only when touched, and unmapped on free. In 4 KB pages, unlike weights: they
// are first touched while generating, and a huge page's first touch can stall for milliseconds
// (zeroing 2 MB; on a VM that returned free memory to its host, ~5 ms each here), which put
// ~0.4 s into the first token half the time (the KV cache's first row in every layer); attention
// over a 1.5k-token context measured the same in either page size.
constexpr size_t kLargeBlock = size_t(1) << 20;

void* os_alloc(size_t size, bool* zeroed) {
  if (size >= kLargeBlock) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    *zeroed = true;
    return p;
  }
  *zeroed = false;
  return std::aligned_alloc(kAlign, size);
}

void os_free(void* block, size_t size) {
  if (size >= kLargeBlock)
    munmap(block, size);
  else
    std::free(block);
}

constexpr size_t kHugePage = size_t(2) << 20;

}  // namespace

namespace {

// 2 MB-aligned anonymous mapping of `span` bytes (a multiple of 4 KB) marked for huge pages.
std::shared_ptr<uint8_t> map_huge(size_t span) {
  // Over-map by 2 MB, then unmap the unaligned head and the tail beyond `span`.
  void* raw = mmap(nullptr, span + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t r = reinterpret_cast<uintptr_t>(raw), a = (r + kHugePage - 1) & ~(uintptr_t)(kHugePage - 1);
  if (a > r) munmap(raw, a - r);
  munmap(reinterpret_cast<void*>(a + span), r + kHugePage - a);
#ifdef MADV_HUGEPAGE
  madvise(reinterpret_cast<void*>(a), span, MADV_HUGEPAGE);
#endif
  return std::shared_ptr<uint8_t>(reinterpret_cast<uint8_t*>(a), [span](uint8_t* q) { munmap(q, span); });
}

// Buffers under 2 MB are carved from shared slabs of 2 MB huge pages (a model's attention
// matrices are 0.3-1.8 MB: a mapping of their own could not hold a huge page); a slab is unmapped
// when the last buffer carved from it is freed. A slab spans several huge pages so that buffers of
// awkward sizes pack densely (with one-page slabs, BitNet 2B's 1.7 MB T2 q/o matrices each left a
// 0.3 MB hole no other matrix fit: ~30 MB of RSS); huge pages past the last buffer are never
// touched, so they take no memory.
constexpr size_t kSlabBytes = 4 * kHugePage;
struct WeightSlab {
  std::mutex mu;
  std::shared_ptr<uint8_t> page;
  size_t used = kSlabBytes;
};

}  // namespace

std::shared_ptr<uint8_t> alloc_weight_buffer(size_t bytes) {
  const size_t size = round_up(bytes ? bytes : 1);
  if (size >= kHugePage) {
    // A tail short of a whole 2 MB page would get 4 KB pages (a 3.8 MB FFN matrix: its last
    // 1.8 MB): round the mapping up to whole huge pages when that adds at most 1 MB and 1/8 of
    // the size, so RSS grows by little (a short tail stays in 4 KB pages: it is little to read).
    const size_t whole = (size + kHugePage - 1) / kHugePage * kHugePage;
    const size_t waste = whole - size;
    return map_huge(waste <= size / 8 && waste <= kHugePage / 2 ? whole : (size + 4095) / 4096 * 4096);
  }
  static WeightSlab* slab = new WeightSlab();  // never destroyed: buffers may die during exit
  std::lock_guard<std::mutex> lock(slab->mu);
  if (slab->used + size > kSlabBytes) {
    slab->page = map_huge(kSlabBytes);
    if (!slab->page) return nullptr;
    slab->used = 0;
  }
  uint8_t* p = slab->page.get() + slab->used;
  slab->used += size;
  return std::shared_ptr<uint8_t>(slab->page, p);  // shares ownership of the page
}

void* pool_alloc(size_t bytes, bool zero) {
  const size_t size = round_up(bytes ? bytes : 1);
  if (size < bytes) fail(ErrorCode::OutOfMemory, "allocation size overflows");
  Pool& p = pool();
  void* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.free_blocks.find(size);
    if (it != p.free_blocks.end() && !it->second.empty()) {
      block = it->second.back();
      it->second.pop_back();
      p.cached -= size;
    }
  }
  bool zeroed = false;
  if (!block) {
    block = os_alloc(size, &zeroed);
    if (!block) fail(ErrorCode::OutOfMemory, "cannot allocate " + std::to_string(size) + " bytes");
  }
  if (zero && !zeroed) std::memset(block, 0, size);
  std::lock_guard<std::mutex> lock(p.mu);
  p.used += size;
  if (p.used > p.peak) p.peak = p.used;
  return block;
}

void pool_free(void* block, size_t bytes) {
  if (!block) return;
  const size_t size = round_up(bytes ? bytes : 1);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.used -= size;
    if (p.cached + size <= kCacheCap) {
      p.free_blocks[size].push_back(block);
      p.cached += size;
      return;
    }
  }
  os_free(block, size);
}

MemoryStats memory_stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  return {p.used + p.cached, p.used, p.peak, (size_t)(p.mapped > 0 ? p.mapped : 0),
          (size_t)(p.prepared > 0 ? p.prepared : 0)};
}

void memory_reset_peak() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  p.peak = p.used;
}

void memory_add_mapped(int64_t delta) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  p.mapped += delta;
}

void memory_add_prepared(int64_t delta) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  p.prepared += delta;
}

namespace {

struct PoolStorage : Storage {
  ~PoolStorage() override { pool_free(data, bytes); }
};

}  // namespace

std::shared_ptr<Storage> make_pool_storage(size_t bytes, bool zero) {
  auto s = std::make_shared<PoolStorage>();
  s->data = (uint8_t*)pool_alloc(bytes, zero);
  s->bytes = bytes;
  return s;
}

}  // namespace ryzen
