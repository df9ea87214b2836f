// "kv_shift" (context shift): t=[kCache, vCache, freqFactors?], i=[slot, keep, discard, used,
// nHeadKv, headDim, nRot, mode], f=[theta, freqScale]. In slot `slot`, positions [keep, keep+discard) are dropped and
// [keep+discard, used) move down by `discard`; moved keys are re-rotated by -discard positions
// (RoPE angles add, so a key roped at p becomes one roped at p - discard; with the same optional
// frequency factors the keys were roped with, see rope.h). Rows at and after
// used - discard keep stale data (the caller's `used` shrinks by `discard`).
// Threads split the KV heads, each moving its columns in increasing position order, so the
// overlapping in-place move is race-free.
#include <cstring>
#include "kv_cache.h"
#include "op_util.h"
#include "rope.h"

namespace ryzen {
namespace {

struct Shift {
  int64_t slot, keep, discard, used, nkv, hd;
  RopeParams rope;
};

Shift shift_of(const OpNode& n) {
  return Shift{n.i[0], n.i[1], n.i[2], n.i[3], n.i[4], n.i[5],
               RopeParams{n.i[4], n.i[5], n.i[6], (int)n.i[7], n.f[0], n.f[1],
                          n.t.size() > 2 ? (const float*)n.t[2]->data : nullptr}};
}

std::string validate(OpNode& node) {
  std::string e = expect_arity(node, 2, 3, "kCache, vCache, freqFactors?");
  if (!e.empty()) return e;
  if (!(e = expect_params(node, 8, 2,
                          "i=[slot, keep, discard, used, nHeadKv, headDim, nRot, mode], f=[theta, freqScale]"))
           .empty())
    return e;
  const Shift s = shift_of(node);
  if (!(e = check_rope_params(s.rope)).empty()) return e;
  if (node.t.size() > 2 && !(e = check_freq_factors(node, 2, s.rope.n_rot)).empty()) return e;
  if (s.hd > kMaxHeadDim) return "headDim must be <= " + std::to_string(kMaxHeadDim);
  if (!(e = check_kv_cache(node, 0, "kCache", s.nkv * s.hd, s.hd)).empty()) return e;
  if (!(e = check_kv_cache(node, 1, "vCache", s.nkv * s.hd, s.hd)).empty()) return e;
  const Tensor &k = *node.t[0], &v = *node.t[1];
  if (kv_ctx(k) != kv_ctx(v) || kv_slots(k) != kv_slots(v))
    return "kCache " + shape_str(k) + " and vCache " + shape_str(v) + " must have the same shape";
  if (!(e = expect_no_overlap(node, 0, "kCache", 1, "vCache", false)).empty()) return e;
  for (size_t j = 0; j < 2 && node.t.size() > 2; j++)
    if (!(e = expect_no_overlap(node, j, j ? "vCache" : "kCache", 2, "freqFactors", false)).empty()) return e;
  if (s.slot < 0 || s.slot >= kv_slots(k))
    return "slot must be in [0, " + std::to_string(kv_slots(k)) + "), got " + std::to_string(s.slot);
  if (s.keep < 0 || s.discard < 0 || s.keep + s.discard > s.used || s.used > kv_ctx(k))
    return "need 0 <= keep, 0 <= discard, keep + discard <= used <= ctx (" + std::to_string(kv_ctx(k)) +
           "), got keep=" + std::to_string(s.keep) + " discard=" + std::to_string(s.discard) +
           " used=" + std::to_string(s.used);
  return "";
}

int phases(const OpNode&) { return 1; }

void run(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Shift s = shift_of(node);
  if (s.discard == 0) return;
  const Tensor &kc = *node.t[0], &vc = *node.t[1];
  int64_t h0, h1;
  split_range(s.nkv, ith, nth, 1, &h0, &h1);
  float cs[kMaxHeadDim];
  float buf[kMaxHeadDim];
  double freqs[kMaxHeadDim / 2];
  rope_freqs(s.rope, freqs);
  rope_angles(s.rope, freqs, -(double)s.discard, cs);
  const int64_t kb = kv_head_bytes(kc.type, s.hd), vb = kv_head_bytes(vc.type, s.hd);
  for (int64_t h = h0; h < h1; h++) {
    for (int64_t p = s.keep + s.discard; p < s.used; p++) {
      const uint8_t* ksrc = kv_row(kc, s.slot, p) + h * kb;
      uint8_t* kdst = kv_row(kc, s.slot, p - s.discard) + h * kb;
      kv_decode(kc.type, ksrc, s.hd, buf);
      rope_heads(s.rope, cs, buf, buf, 1);
      kv_encode(kc.type, buf, s.hd, kdst);
      std::memmove(kv_row(vc, s.slot, p - s.discard) + h * vb, kv_row(vc, s.slot, p) + h * vb, (size_t)vb);
    }
  }
}

const RegisterOp reg({"kv_shift", validate, phases, run});

}  // namespace
}  // namespace ryzen
