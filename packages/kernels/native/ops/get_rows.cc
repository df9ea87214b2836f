// get_rows: out[K, n] (f32) = rows ids[0..n) of table[K, V] (any decodable type), the embedding
// lookup. ids live in an I32 tensor that JS rewrites between plan runs, so they are checked at
// validation AND while running: a bad id is clamped (no out-of-bounds read), recorded, and the
// executor raises the error after the run.
#include <atomic>
#include <climits>
#include <memory>
#include <string>

#include "core/op.h"
#include "core/weights.h"

namespace ryzen {

namespace {

struct GetRowsState {
  int64_t K, V, n;
  const uint8_t* table;  // the table's bytes: its prepared copy when that keeps the file layout
  size_t table_bytes;
  std::shared_ptr<MatmulWeights> copy;  // keeps that copy alive
  // A table repacked into an engine layout (x16 tiles): rows decoded from the copy by its format.
  void (*decode_prepared)(const MatmulWeights& w, int64_t row, float* dst) = nullptr;
  mutable std::atomic<int64_t> bad_id{INT64_MIN};  // first out-of-range id seen by a run
};

std::string validate(OpNode& node) {
  if (node.t.size() != 3) return "expects tensors [out, table, ids]";
  const Tensor &out = *node.t[0], &table = *node.t[1], &ids = *node.t[2];
  if (out.type != DType::F32) return "out must be f32";
  if (ids.type != DType::I32) return "ids must be i32";
  if (!can_dequantize(table.type))
    return std::string("table type ") + dtype_traits((int32_t)table.type).name + " cannot be dequantized";
  const int64_t K = table.ne[0], V = table.rows(), n = ids.elements();
  if (out.ne[0] != K || out.rows() != n)
    return "shape mismatch: out must be [" + std::to_string(K) + ", " + std::to_string(n) + "], got [" +
           std::to_string(out.ne[0]) + ", " + std::to_string(out.rows()) + "]";
  const int32_t* id = ids.as<int32_t>();
  for (int64_t t = 0; t < n; t++)
    if (id[t] < 0 || id[t] >= V)
      return "id " + std::to_string(id[t]) + " at position " + std::to_string(t) + " is out of range [0, " +
             std::to_string(V) + ")";
  auto st = std::make_shared<GetRowsState>();
  st->K = K;
  st->V = V;
  st->n = n;
  st->table_bytes = tensor_bytes(table);
  st->table = table.data;
  // A tied embedding/output head moved to huge pages for the matmul: read rows from that copy, so
  // lookups do not fault the dropped file pages (and their page-cache folios) back into RSS.
  const std::shared_ptr<MatmulWeights>& mw = table.weights;
  if (mw && mw->type == table.type && mw->layout == 0 && mw->bytes == st->table_bytes) {
    st->table = mw->data;
    st->copy = mw;
  } else if (mw && mw->type == table.type && mw->layout != 0 && mw->rows == V && mw->cols == K) {
    const WeightFormat* f = find_weight_format(table.type);
    if (f && f->dequantize_prepared) {
      st->decode_prepared = f->dequantize_prepared;
      st->copy = mw;
    }
  }
  node.state = st;
  return "";
}

int phases(const OpNode&) { return 1; }

void run(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const GetRowsState& st = *static_cast<const GetRowsState*>(node.state.get());
  const Tensor &out = *node.t[0];
  const int32_t* ids = node.t[2]->as<int32_t>();
  int64_t t0, t1;
  split_range(st.n, ith, nth, 1, &t0, &t1);
  for (int64_t t = t0; t < t1; t++) {
    int64_t id = ids[t];
    if (id < 0 || id >= st.V) {
      int64_t none = INT64_MIN;
      st.bad_id.compare_exchange_strong(none, id, std::memory_order_relaxed);
      id = id < 0 ? 0 : st.V - 1;
    }
    if (st.decode_prepared) st.decode_prepared(*st.copy, id, out.f32_row(t));
    else dequantize_elements(node.t[1]->type, st.table, st.table_bytes, id * st.K, st.K, out.f32_row(t));
  }
}

std::string after_run(const OpNode& node) {
  const GetRowsState& st = *static_cast<const GetRowsState*>(node.state.get());
  const int64_t bad = st.bad_id.exchange(INT64_MIN, std::memory_order_relaxed);
  if (bad == INT64_MIN) return "";
  return "id " + std::to_string(bad) + " is out of range [0, " + std::to_string(st.V) +
         ") (ids were changed after validation; the rows read were clamped)";
}

const RegisterOp reg({"get_rows", validate, phases, run, after_run});

}  // namespace

}  // namespace ryzen
