// "softmax": row-wise softmax of f32 rows, t=[out, x] (out may alias x). A row that is entirely
// -inf (fully masked) comes out as zeros.
#include "op_util.h"

namespace ryzen {
namespace {

std::string validate(OpNode& node) {
  std::string e = expect_arity(node, 2, 2, "out, x");
  if (!e.empty()) return e;
  if (!(e = expect(node, 1, "x", DType::F32, -1, -1)).empty()) return e;
  if (!(e = expect(node, 0, "out", DType::F32, node.t[1]->ne[0], node.t[1]->rows())).empty()) return e;
  return expect_no_overlap(node, 0, "out", 1, "x", true);
}

int phases(const OpNode&) { return 1; }

void run(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Tensor &out = *node.t[0], &x = *node.t[1];
  int64_t r0, r1;
  split_range(x.rows(), ith, nth, 1, &r0, &r1);
  for (int64_t r = r0; r < r1; r++) active_ops().softmax(f32_row(out, r), f32_row(x, r), x.ne[0]);
}

const RegisterOp reg({"softmax", validate, phases, run});

}  // namespace
}  // namespace ryzen
