// "attention": t=[out[nHead*hd, n], q[nHead*hd, n], kCache, vCache, seq[n] I32, pos[n] I32],
// i=[nHead, nHeadKv, headDim], f=[scale]. Token t attends positions 0..pos[t] of cache slot
// seq[t] (causal; the caller stores the token's own K/V first), query head h reads KV head
// h / (nHead/nHeadKv) (GQA). Online softmax: no score buffer, any context length. Work is split
// over (block of consecutive tokens, KV head) so the query heads of a group, and of a prefill's
// neighbouring tokens, share each K/V row read and decoded. A token whose
// seq/pos is out of range (ids are rewritten between Plan runs) gets a zero output and the run
// then fails with an error naming it.
//
// Prefill (K through transposed chunks, AVX-512): without help every attend call transposes the K
// chunks it reads, so at 1024 tokens each chunk was transposed ~32 times. Where a run's tokens all
// belong to one slot, a first phase transposes each KV head's prefix once into scratch and every
// call reads it (AttendArgs::kt); same bits either way.
//
// Decode over a long context (flash-decoding): with one unit per KV head, BitNet 2B's 5 KV heads
// left one of 2 threads idle a fifth of the time (and 3 of 8 idle). Where a token attends more
// than one segment (kAttendSegment), units are (token, KV head, segment): each writes its
// segment's partial softmax state, and a second phase folds them in position order, as the
// kernel folds its own segments, so the bits are those of one whole call.
#include <cmath>
#include <cstring>
#include <memory>
#include "kv_cache.h"
#include "op_util.h"

namespace ryzen {
namespace {

// Runs of at least this many tokens transpose their prefix first: each chunk is then read by at
// least two attend calls per KV head (a call takes up to 16 tokens of a 4-head group).
constexpr int64_t kPretransposeMinTokens = 32;
// Scratch for the transposed prefix, at most (a prompt reaching past it falls back to per-call
// transposes): 16 MB covers 4096 positions of 8 KV heads of 128 floats.
constexpr int64_t kPretransposeMaxBytes = int64_t(16) << 20;
// Runs of at most this many tokens (decode steps) may split their segments across threads.
constexpr int64_t kSplitMaxTokens = 4;

struct AttentionState : KvIdCheck {
  int64_t kt_positions = 0;  // positions per KV head of the transposed-prefix scratch (0: none)
  int64_t segments = 0;      // segments per (token, KV head) of the partial-state scratch (0: none)
  // Partial states of (token t, KV head kvh, segment seg): the group's queries, hd + 2 floats each.
  float* part_at(uint8_t* scratch, int64_t t, int64_t kvh, int64_t seg, int64_t nkv, int64_t group, int64_t hd) const {
    return reinterpret_cast<float*>(scratch) + ((t * nkv + kvh) * segments + seg) * group * (hd + 2);
  }
  // KV head kvh's position p0 in the scratch.
  float* kt_at(uint8_t* scratch, int64_t kvh, int64_t p0, int64_t hd) const {
    return reinterpret_cast<float*>(scratch) + (kvh * kt_positions + p0) * hd;
  }
};

const AttentionState& state_of(const OpNode& node) { return *static_cast<const AttentionState*>(node.state.get()); }

using TransposeK = void (*)(const uint8_t*, size_t, int64_t, int64_t, float*);

TransposeK transposer(const OpsKernels& ops, DType type) {
  return type == DType::Q8_0 ? ops.transpose_k_q8_0 : type == DType::F32 ? ops.transpose_k_f32 : ops.transpose_k_f16;
}

// Positions of the transposed prefix this run uses: every token in one slot, in range, and within
// the scratch; else 0 (per-call transposes). The same on every thread: it reads only seq and pos.
int64_t prefix_positions(const OpNode& node, const AttentionState& st) {
  const Tensor& kc = *node.t[2];
  if (st.kt_positions == 0 || !transposer(active_ops(), kc.type)) return 0;
  const int32_t* seq = i32_data(*node.t[4]);
  const int32_t* pos = i32_data(*node.t[5]);
  const int64_t n = node.t[1]->rows();
  int64_t end = 0;
  for (int64_t t = 0; t < n; t++) {
    if (seq[t] != seq[0] || seq[t] < 0 || seq[t] >= kv_slots(kc) || pos[t] < 0 || pos[t] >= kv_ctx(kc)) return 0;
    end = pos[t] + 1 > end ? pos[t] + 1 : end;
  }
  return end <= st.kt_positions ? end : 0;
}

std::string validate(OpNode& node) {
  std::string e = expect_arity(node, 6, 6, "out, q, kCache, vCache, seq, pos");
  if (!e.empty()) return e;
  if (!(e = expect_params(node, 3, 1, "i=[nHead, nHeadKv, headDim], f=[scale]")).empty()) return e;
  const int64_t nh = node.i[0], nkv = node.i[1], hd = node.i[2];
  if (nh < 1 || nkv < 1 || nh % nkv != 0)
    return "nHead (" + std::to_string(nh) + ") must be a positive multiple of nHeadKv (" + std::to_string(nkv) + ")";
  if (hd < 1 || hd > kMaxHeadDim) return "headDim must be in [1, " + std::to_string(kMaxHeadDim) + "], got " + std::to_string(hd);
  if (nh > (int64_t)1 << 20) return "nHead too large";
  if (!std::isfinite(node.f[0])) return "scale must be a finite number";
  if (!(e = expect(node, 1, "q", DType::F32, nh * hd, -1)).empty()) return e;
  const int64_t n = node.t[1]->rows();
  if (!(e = expect(node, 0, "out", DType::F32, nh * hd, n)).empty()) return e;
  if (!(e = check_kv_cache(node, 2, "kCache", nkv * hd, hd)).empty()) return e;
  if (!(e = check_kv_cache(node, 3, "vCache", nkv * hd, hd)).empty()) return e;
  const Tensor &k = *node.t[2], &v = *node.t[3];
  if (k.type != v.type) return "kCache and vCache must have the same type";
  if (kv_ctx(k) != kv_ctx(v) || kv_slots(k) != kv_slots(v))
    return "kCache " + shape_str(k) + " and vCache " + shape_str(v) + " must have the same shape";
  if (!(e = expect_ids(node, 4, "seq", n)).empty()) return e;
  if (!(e = expect_ids(node, 5, "pos", n)).empty()) return e;
  // out may replace q in place (each (token, KV head) unit reads only its own heads' queries)
  if (!(e = expect_no_overlap(node, 0, "out", 1, "q", true)).empty()) return e;
  const char* names[] = {"out", "q", "kCache", "vCache", "seq", "pos"};
  for (size_t j = 2; j < 6; j++)
    if (!(e = expect_no_overlap(node, 0, "out", j, names[j], false)).empty()) return e;
  auto st = std::make_shared<AttentionState>();
  if (n >= kPretransposeMinTokens && hd <= kTransposedMaxHeadDim && transposer(active_ops(), k.type)) {
    const int64_t per_position = nkv * hd * (int64_t)sizeof(float);
    const int64_t ctx = (kv_ctx(k) + kAttendChunk - 1) / kAttendChunk * kAttendChunk;
    const int64_t cap = kPretransposeMaxBytes / per_position / kAttendChunk * kAttendChunk;
    st->kt_positions = ctx < cap ? ctx : cap;
    node.scratch_bytes = (size_t)(st->kt_positions * per_position);
  } else if (n <= kSplitMaxTokens && kv_ctx(k) > kAttendSegment) {
    st->segments = (kv_ctx(k) + kAttendSegment - 1) / kAttendSegment;
    node.scratch_bytes = (size_t)(n * nkv * st->segments * (nh / nkv) * (hd + 2)) * sizeof(float);
  }
  node.state = st;
  return "";
}

int phases(const OpNode& node) { return state_of(node).kt_positions || state_of(node).segments ? 2 : 1; }

using Attend = void (*)(const AttendArgs&);

Attend attend_kernel(const OpsKernels& ops, DType type) {
  return type == DType::Q8_0 ? ops.attend_q8_0 : type == DType::F32 ? ops.attend_f32 : ops.attend_f16;
}

// The attend call of token t's queries [h0, h0 + nq), which read KV head kvh: one token, every
// position up to its own; callers adjust tokens, range and output.
AttendArgs attend_args(const OpNode& node, int64_t t, int64_t kvh, int64_t h0, int64_t nq) {
  const Tensor &q = *node.t[1], &kc = *node.t[2], &vc = *node.t[3];
  const int32_t seq = i32_data(*node.t[4])[t];
  const int64_t hd = node.i[2], head_bytes = kv_head_bytes(kc.type, hd);
  AttendArgs a;
  a.q = f32_row(q, t) + h0 * hd;
  a.nq = nq;
  a.q_stride = (size_t)(q.nb[1] / sizeof(float));
  a.k = kv_row(kc, seq, 0) + kvh * head_bytes;
  a.v = kv_row(vc, seq, 0) + kvh * head_bytes;
  a.k_stride = (size_t)kc.nb[1];
  a.v_stride = (size_t)vc.nb[1];
  a.npos = (int64_t)i32_data(*node.t[5])[t] + 1;
  a.hd = hd;
  a.scale = (float)node.f[0];
  a.row_bytes = head_bytes;
  return a;
}

// Segments token t attends (0 for an out-of-range token).
int64_t token_segments(const OpNode& node, const AttentionState& st, int64_t t) {
  const int32_t seq = i32_data(*node.t[4])[t], pos = i32_data(*node.t[5])[t];
  const Tensor& kc = *node.t[2];
  if (seq < 0 || seq >= kv_slots(kc) || pos < 0 || pos >= kv_ctx(kc)) return 0;
  return ((int64_t)pos + kAttendSegment) / kAttendSegment;
}

// Whether this run splits segments across threads: some token attends more than one. The same on
// every thread and in both phases (it reads only the ids).
bool splits(const OpNode& node, const AttentionState& st, int nth) {
  if (!st.segments || nth < 2) return false;
  for (int64_t t = 0; t < node.t[1]->rows(); t++)
    if (token_segments(node, st, t) > 1) return true;
  return false;
}

// Queries per attend call of a split run, and the runs per KV head's group.
void split_runs(const OpNode& node, int64_t* qmax, int64_t* subs) {
  const int64_t group = node.i[0] / node.i[1];
  *qmax = attend_max_queries(node.i[2], active_ops().attend_queries);
  *subs = (group + *qmax - 1) / *qmax;
}

// Phase 0 of a split run: units (token, KV head, run of queries, segment), the valid ones dealt
// round-robin, each writing its partial states.
void attend_segments(const OpNode& node, int ith, int nth, uint8_t* scratch) {
  const AttentionState& st = state_of(node);
  const int64_t nh = node.i[0], nkv = node.i[1], hd = node.i[2], group = nh / nkv;
  const Attend attend = attend_kernel(active_ops(), node.t[2]->type);
  int64_t qmax, subs;
  split_runs(node, &qmax, &subs);
  int64_t u = 0;
  for (int64_t t = 0; t < node.t[1]->rows(); t++) {
    const int64_t segs = token_segments(node, st, t);
    for (int64_t kvh = 0; kvh < nkv; kvh++)
      for (int64_t sub = 0; sub < subs; sub++)
        for (int64_t seg = 0; seg < segs; seg++, u++) {
          if (u % nth != ith) continue;
          AttendArgs a = attend_args(node, t, kvh, kvh * group + sub * qmax, group - sub * qmax < qmax ? group - sub * qmax : qmax);
          a.p_begin = seg * kAttendSegment;
          if (seg + 1 < segs) a.npos = a.p_begin + kAttendSegment;
          a.out = nullptr;
          a.partial = st.part_at(scratch, t, kvh, seg, nkv, group, hd) + sub * qmax * (hd + 2);
          attend(a);
        }
  }
}

// Phase 1 of a split run: each (token, KV head, run of queries) folds its segments into out.
void merge_segments(const OpNode& node, int ith, int nth, uint8_t* scratch) {
  const AttentionState& st = state_of(node);
  const Tensor &out = *node.t[0], &kc = *node.t[2];
  const int32_t* seq = i32_data(*node.t[4]);
  const int32_t* pos = i32_data(*node.t[5]);
  const int64_t nh = node.i[0], nkv = node.i[1], hd = node.i[2], group = nh / nkv;
  int64_t qmax, subs;
  split_runs(node, &qmax, &subs);
  const int64_t n = out.rows(), units = n * nkv * subs;
  for (int64_t u = ith; u < units; u += nth) {
    const int64_t t = u / (nkv * subs), kvh = u / subs % nkv, sub = u % subs;
    const int64_t h0 = kvh * group + sub * qmax, nq = group - sub * qmax < qmax ? group - sub * qmax : qmax;
    float* o = f32_row(out, t) + h0 * hd;
    if (!st.ok(kc, t, seq[t], pos[t])) {
      std::memset(o, 0, (size_t)(nq * hd) * sizeof(float));
      continue;
    }
    active_ops().attend_merge(st.part_at(scratch, t, kvh, 0, nkv, group, hd) + sub * qmax * (hd + 2),
                              token_segments(node, st, t), (size_t)(group * (hd + 2)), nq, hd, o);
  }
}

// Phase 0 of a pre-transposing run: (KV head, chunk) units of the prefix dealt round-robin.
void transpose_prefix(const OpNode& node, int64_t positions, int ith, int nth, uint8_t* kt) {
  const Tensor& kc = *node.t[2];
  const int64_t nkv = node.i[1], hd = node.i[2], head_bytes = kv_head_bytes(kc.type, hd);
  const AttentionState& st = state_of(node);
  const TransposeK transpose = transposer(active_ops(), kc.type);
  const int64_t chunks = (positions + kAttendChunk - 1) / kAttendChunk;
  const uint8_t* k0 = kv_row(kc, i32_data(*node.t[4])[0], 0);
  for (int64_t u = ith; u < nkv * chunks; u += nth) {
    const int64_t kvh = u / chunks, p0 = u % chunks * kAttendChunk;
    const int64_t rows = positions - p0 < kAttendChunk ? positions - p0 : kAttendChunk;
    transpose(k0 + p0 * kc.nb[1] + kvh * head_bytes, (size_t)kc.nb[1], rows, hd, st.kt_at(kt, kvh, p0, hd));
  }
}

void run(const OpNode& node, int phase, int ith, int nth, uint8_t* scratch) {
  const AttentionState& st = state_of(node);
  if (st.segments && splits(node, st, nth)) {
    if (phase == 0) attend_segments(node, ith, nth, scratch);
    else merge_segments(node, ith, nth, scratch);
    return;
  }
  if (st.segments && phase == 1) return;  // not split: phase 0 wrote out
  const int64_t prefix = prefix_positions(node, st);
  if (phase == 0 && st.kt_positions) {
    if (prefix) transpose_prefix(node, prefix, ith, nth, scratch);
    return;
  }
  const Tensor &out = *node.t[0], &q = *node.t[1], &kc = *node.t[2];
  const int32_t* seq = i32_data(*node.t[4]);
  const int32_t* pos = i32_data(*node.t[5]);
  const int64_t nh = node.i[0], nkv = node.i[1], hd = node.i[2], group = nh / nkv;
  const OpsKernels& ops = active_ops();
  const Attend attend = attend_kernel(ops, kc.type);
  // unit = (block of tokens, KV head, run of <= per query heads): each K/V row is read and decoded
  // once per unit (at pp512 on the Xeon the f16 decode was ~28 % of attention with one token per
  // unit). A block holds up to per / group tokens (one when a token's group is split);
  // the group is split further only when there would be fewer units than threads (e.g. decode
  // with one KV head). Each query's arithmetic does not depend on the split.
  int64_t per = attend_max_queries(hd, ops.attend_queries);
  const int64_t n = q.rows(), base = n * nkv;
  if (base * ((group + per - 1) / per) < nth) {
    const int64_t want = (nth + base - 1) / base;  // sub-groups per KV head
    const int64_t p2 = (group + want - 1) / want;
    per = p2 < per ? p2 : per;
  }
  const int64_t qmax = per, subs = (group + qmax - 1) / qmax;
  // (fewer tokens per block when blocks would leave threads without a unit)
  const int64_t fill = base / nth > 1 ? base / nth : 1;
  const int64_t block = subs == 1 ? (per / group < fill ? per / group : fill) : 1, blocks = (n + block - 1) / block;
  // Units are dealt round-robin: with causal prefill a token's cost grows with its position, so
  // contiguous ranges would leave the thread holding the last tokens with most of the work. They
  // are ordered KV head by KV head, so a thread's consecutive units read the same head's K/V rows
  // (from L2: one head's prefix, not all heads', e.g. 512 KB instead of 2.5 MB at 1k positions).
  const int64_t units = blocks * nkv * subs;
  for (int64_t u = ith; u < units; u += nth) {
    const int64_t kvh = u / (blocks * subs), t0 = u % (blocks * subs) / subs * block, sub = u % subs;
    const int64_t t1 = n - t0 < block ? n : t0 + block;
    const int64_t h0 = kvh * group + sub * qmax;
    const int64_t nq = group - sub * qmax < qmax ? group - sub * qmax : qmax;
    // a block shares its K/V rows when its tokens are consecutive positions of one valid slot
    bool shared = true;
    for (int64_t t = t0; t < t1; t++)
      shared &= st.ok(kc, t, seq[t], pos[t]) && seq[t] == seq[t0] && pos[t] == pos[t0] + (t - t0);
    for (int64_t t = t0; t < t1; t += shared ? t1 - t0 : 1) {
      float* o = f32_row(out, t) + h0 * hd;
      if (!shared && !st.ok(kc, t, seq[t], pos[t])) {
        std::memset(o, 0, (size_t)(nq * hd) * sizeof(float));
        continue;
      }
      AttendArgs a = attend_args(node, t, kvh, h0, nq);
      a.tokens = shared ? t1 - t0 : 1;
      a.out_stride = (size_t)(out.nb[1] / sizeof(float));
      a.out = o;
      a.kt = prefix ? st.kt_at(scratch, kvh, 0, hd) : nullptr;
      attend(a);
    }
  }
}

// Profiler label: the prefix transposition, the segment merge, or the attention itself.
void describe(const OpNode& node, int phase, std::string& label, uint64_t&) {
  const AttentionState& st = state_of(node);
  label = phase == 0 && st.kt_positions ? "attention K transpose" : phase == 1 && st.segments ? "attention merge" : "attention";
}

std::string after_run(const OpNode& node) {
  return state_of(node).report(*node.t[2], *node.t[4], *node.t[5], "its output was zeroed");
}

const RegisterOp reg({"attention", validate, phases, run, after_run, describe});

}  // namespace
}  // namespace ryzen
