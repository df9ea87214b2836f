// Per-ISA row kernels of the non-matmul ops (norms, element-wise, activations, softmax,
// attention). Plain declarations (POD + extern functions) shared by the flag-free op TUs and the
// SIMD-compiled TUs; see the ISA rule.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ryzen {

// Causal attention of `tokens` consecutive tokens of one KV-cache slot (token b at position
// npos - 1 + b: it attends positions [0, npos + b)), for `nq` query heads per token that share one
// KV head (GQA): each K/V row is decoded once and used by all tokens x nq queries. Every query's
// arithmetic is the same as with one token and one query per call (the split-independence tests).
// k / v point at this KV head's segment of position 0; position p is at k + p * stride.
// Positions are attended in segments of kAttendSegment, each with its own online softmax, and a
// query's result folds the segments' states in position order (attend_merge's arithmetic), so the
// op may spread one token's segments over threads and still get the bits of one whole call.
// F32 caches hold hd floats per head, F16 caches hd halfs, Q8_0 caches hd/32 blocks (34 bytes
// each).
struct AttendArgs {
  const float* q;   // per token, nq queries of hd floats, consecutive; token b's at q + b * q_stride
  int64_t nq;       // 1 <= tokens * nq <= attend_max_queries(hd, ...)
  int64_t tokens = 1;
  size_t q_stride = 0, out_stride = 0;  // floats between consecutive tokens' queries / outputs
  const uint8_t* k;
  const uint8_t* v;
  size_t k_stride, v_stride;
  int64_t npos;     // positions the first token attends
  int64_t hd;
  float scale;
  float* out;       // per token, nq outputs of hd floats, consecutive; token b's at out + b * out_stride
  int64_t row_bytes = 0;  // bytes of one position's K (or V) segment: the vector kernels prefetch
                          // kKvPrefetchRows ahead (0: nothing)
  // Optional: this KV head's K positions already in transpose_k_*'s layout (chunk c at
  // kt + c * kAttendChunk * hd), covering every position the call attends; null: the kernel reads k.
  const float* kt = nullptr;
  // First position attended (a multiple of kAttendSegment; the tokens attend [p_begin, npos + b)).
  int64_t p_begin = 0;
  // Optional: instead of writing out, the folded state of each query g = b * nq + h goes to
  // partial + g * (hd + 2): its max, its normalizer, then its hd unnormalized weighted sums.
  float* partial = nullptr;
};

// Positions token b of a call attends in the chunk starting at p0 (<= 0: none).
static inline int64_t attend_count(const AttendArgs& a, int64_t b, int64_t p0, int64_t chunk) {
  const int64_t c = a.npos + b - p0;
  return c < chunk ? c : chunk;
}

struct OpsKernels {
  void (*rms_norm)(float* out, const float* x, const float* w, int64_t n, float eps);  // w may be null
  void (*add)(float* out, const float* a, const float* b, int64_t n);
  void (*mul)(float* out, const float* a, const float* b, int64_t n);
  void (*scale)(float* out, const float* x, float s, int64_t n);
  void (*silu)(float* out, const float* x, int64_t n);
  void (*gelu)(float* out, const float* x, int64_t n);
  void (*relu2)(float* out, const float* x, int64_t n);
  void (*silu_mul)(float* out, const float* gate, const float* up, int64_t n);
  void (*relu2_mul)(float* out, const float* gate, const float* up, int64_t n);
  void (*softmax)(float* out, const float* x, int64_t n);
  void (*attend_f16)(const AttendArgs& a);
  void (*attend_q8_0)(const AttendArgs& a);
  void (*attend_f32)(const AttendArgs& a);
  // n floats to IEEE halves (little-endian bytes), round to nearest even (KV-cache stores).
  void (*encode_f16)(const float* src, uint8_t* dst, int64_t n);
  // RoPE: rotates the first n_rot dims of nh consecutive heads of hd floats (out may equal x;
  // dims n_rot..hd are left alone). cs = n_rot/2 cosines then n_rot/2 sines of the pair angles;
  // mode 0 pairs (x[2i], x[2i+1]), mode 1 pairs (x[i], x[i + n_rot/2]).
  void (*rope_rotate)(const float* cs, const float* x, float* out, int64_t nh, int64_t hd, int64_t n_rot, int mode);
  // Queries per attend call the kernels run best with (a prefill block: tokens x a GQA group's
  // heads). AVX-512 64: its small-head path transposes each K chunk once per call (than with 32,
  // 512 causal tokens at 2 threads ~8 % faster, 1024 at 1 thread ~10 %; same bits); AVX2 32 (64
  // was 2-8 % slower).
  int64_t attend_queries;
  // Kernels whose prefill path reads K through transposed chunks (AVX-512; null elsewhere): K rows
  // [0, rows) of one head (rows <= kAttendChunk, `stride` bytes apart) decoded into kt[i *
  // kAttendChunk + p] = dimension i of position p (positions [rows, 16-row boundary) zero; kt
  // 64-byte aligned). The attention op transposes a prefill's prefix
  // once with these and passes it as AttendArgs::kt.
  void (*transpose_k_f16)(const uint8_t* k, size_t stride, int64_t rows, int64_t hd, float* kt);
  void (*transpose_k_q8_0)(const uint8_t* k, size_t stride, int64_t rows, int64_t hd, float* kt);
  void (*transpose_k_f32)(const uint8_t* k, size_t stride, int64_t rows, int64_t hd, float* kt);
  // nq queries' results from the partial states of `parts` consecutive segments (AttendArgs::
  // partial layout; segment s at parts + s * part_stride floats), folded in order as attend folds
  // them, into out (nq x hd floats).
  void (*attend_merge)(const float* parts, int64_t nparts, size_t part_stride, int64_t nq, int64_t hd, float* out);
};

// Largest head size the attention kernels accept (their accumulators live on the stack).
constexpr int64_t kMaxHeadDim = 1024;
// K and V rows the vector attention kernels fetch ahead of the one they decode. A head's segment
// is a few lines, one cache row (all KV heads) apart, a pattern the hardware prefetchers follow
// poorly: decode after 3000 tokens (BitNet 2B, Xeon, AVX-512, f16 KV, cache in DRAM) ran ~23 %
// faster with it at 1 and 2 threads; 8 to 64 rows ahead were alike.
constexpr int64_t kKvPrefetchRows = 32;
// Positions scored per online-softmax step (scores of one chunk live on the stack).
constexpr int64_t kAttendChunk = 64;
// Positions per softmax segment (a multiple of kAttendChunk): decode over a long context is split
// into segments across threads, so 5 KV heads keep 2 threads (or 8) busy.
constexpr int64_t kAttendSegment = 512;
// Largest head size of the transposed-K path (transpose_k_*, AttendArgs::kt).
constexpr int64_t kTransposedMaxHeadDim = 128;
// Stack budget of one attend call: nq * hd accumulator floats, at most kAttendMaxQ queries.
constexpr int64_t kAttendAccFloats = 8192;
constexpr int64_t kAttendMaxQ = 64;
// Queries per attend call for head size hd, with the kernel table's preferred count (`queries`).
static inline int64_t attend_max_queries(int64_t hd, int64_t queries) {
  const int64_t q = kAttendAccFloats / hd, cap = queries < kAttendMaxQ ? queries : kAttendMaxQ;
  return q < cap ? q : cap;
}

namespace scalar { const OpsKernels& ops_kernels(); }
namespace avx2 { const OpsKernels& ops_kernels(); }
namespace avx512 { const OpsKernels& ops_kernels(); }

}  // namespace ryzen
