// "attention": t=[out[nHead*hd, n], q[nHead*hd, n], kCache, vCache, seq[n] I32, pos[n] I32],
// i=[nHead, nHeadKv, headDim], f=[scale]. Token t attends positions 0..pos[t] of cache slot
// seq[t] (causal; the caller stores the token's own K/V first), query head h reads KV head
// h / (nHead/nHeadKv) (GQA). Online softmax: no score buffer, any context length. Work is split
// over (block of consecutive tokens, KV head) so the query heads of a group, and of a prefill's
// neighbouring tokens, share each K/V row read and decoded. A token whose
// seq/pos is out of range (ids are rewritten between Plan runs) gets a zero output and the run
// then fails with an error naming it.
#include <cmath>
#include <cstring>
#include <memory>
#include "kv_cache.h"
#include "op_util.h"

namespace ryzen {
namespace {

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
  node.state = std::make_shared<KvIdCheck>();
  return "";
}

int phases(const OpNode&) { return 1; }

void run(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Tensor &out = *node.t[0], &q = *node.t[1], &kc = *node.t[2], &vc = *node.t[3];
  const int32_t* seq = i32_data(*node.t[4]);
  const int32_t* pos = i32_data(*node.t[5]);
  const int64_t nh = node.i[0], nkv = node.i[1], hd = node.i[2];
  const int64_t group = nh / nkv, head_bytes = kv_head_bytes(kc.type, hd);
  const OpsKernels& ops = active_ops();
  const auto attend = kc.type == DType::Q8_0 ? ops.attend_q8_0 : kc.type == DType::F32 ? ops.attend_f32 : ops.attend_f16;
  const KvIdCheck& check = *static_cast<const KvIdCheck*>(node.state.get());
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
      shared &= check.ok(kc, t, seq[t], pos[t]) && seq[t] == seq[t0] && pos[t] == pos[t0] + (t - t0);
    for (int64_t t = t0; t < t1; t += shared ? t1 - t0 : 1) {
      float* o = f32_row(out, t) + h0 * hd;
      if (!shared && !check.ok(kc, t, seq[t], pos[t])) {
        std::memset(o, 0, (size_t)(nq * hd) * sizeof(float));
        continue;
      }
      AttendArgs a;
      a.q = f32_row(q, t) + h0 * hd;
      a.nq = nq;
      a.tokens = shared ? t1 - t0 : 1;
      a.q_stride = (size_t)(q.nb[1] / sizeof(float));
      a.out_stride = (size_t)(out.nb[1] / sizeof(float));
      a.k = kv_row(kc, seq[t], 0) + kvh * head_bytes;
      a.v = kv_row(vc, seq[t], 0) + kvh * head_bytes;
      a.k_stride = (size_t)kc.nb[1];
      a.v_stride = (size_t)vc.nb[1];
      a.npos = (int64_t)pos[t] + 1;
      a.hd = hd;
      a.scale = (float)node.f[0];
      a.out = o;
      attend(a);
    }
  }
}

std::string after_run(const OpNode& node) {
  return static_cast<const KvIdCheck*>(node.state.get())->report(*node.t[2], *node.t[4], *node.t[5], "its output was zeroed");
}

const RegisterOp reg({"attention", validate, phases, run, after_run});

}  // namespace
}  // namespace ryzen
