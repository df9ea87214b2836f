// "kv_store": t=[cache[kvDim, ctx, slots] F32|F16|Q8_0, src[kvDim, n] f32, seq[n] I32, pos[n] I32]:
// cache[seq[t]][pos[t]] = src[t]. seq/pos are read at run time (a Plan fills them between runs);
// a token whose slot or position is out of range is skipped (never written out of bounds) and the
// run then fails with an error naming it.
#include <memory>
#include "kv_cache.h"
#include "op_util.h"

namespace ryzen {
namespace {

std::string validate(OpNode& node) {
  std::string e = expect_arity(node, 4, 4, "cache, src, seq, pos");
  if (!e.empty()) return e;
  const Tensor& cache = *node.t[0];
  // (a q8_0 cache tensor cannot exist unless kvDim is a multiple of 32)
  if (!(e = check_kv_cache(node, 0, "cache", cache.ne[0], cache.type == DType::Q8_0 ? 32 : 1)).empty()) return e;
  if (!(e = expect(node, 1, "src", DType::F32, cache.ne[0], -1)).empty()) return e;
  const int64_t n = node.t[1]->rows();
  if (!(e = expect_ids(node, 2, "seq", n)).empty()) return e;
  if (!(e = expect_ids(node, 3, "pos", n)).empty()) return e;
  const char* names[] = {"cache", "src", "seq", "pos"};
  for (size_t j = 1; j < 4; j++)
    if (!(e = expect_no_overlap(node, 0, "cache", j, names[j], false)).empty()) return e;
  node.state = std::make_shared<KvIdCheck>();
  return "";
}

int phases(const OpNode&) { return 1; }

void run(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Tensor &cache = *node.t[0], &src = *node.t[1];
  const int32_t* seq = i32_data(*node.t[2]);
  const int32_t* pos = i32_data(*node.t[3]);
  const KvIdCheck& check = *static_cast<const KvIdCheck*>(node.state.get());
  int64_t t0, t1;
  split_range(src.rows(), ith, nth, 1, &t0, &t1);
  for (int64_t t = t0; t < t1; t++) {
    if (!check.ok(cache, t, seq[t], pos[t])) continue;
    kv_encode(cache.type, f32_row(src, t), cache.ne[0], kv_row(cache, seq[t], pos[t]));
  }
}

std::string after_run(const OpNode& node) {
  return static_cast<const KvIdCheck*>(node.state.get())->report(*node.t[0], *node.t[2], *node.t[3], "it was not stored");
}

const RegisterOp reg({"kv_store", validate, phases, run, after_run});

}  // namespace
}  // namespace ryzen
