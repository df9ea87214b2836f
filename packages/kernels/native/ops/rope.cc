// "rope": t=[out, x[nHead*headDim, n], pos[n] I32, freqFactors?[>= nRot/2] f32], i=[nHead, headDim,
// nRot, mode], f=[theta, freqScale]. One phase: each share takes a run of (token, head) units and
// builds the cos/sin table of each of its tokens in private scratch (a token split between two
// shares has its table built twice: cheaper than a barrier). out may alias x.
//
// A model's layers rotate the same positions again and again, so a forward pass can build the
// tables once and share them (the same bits; the table build is most of a prefill rope's time):
// "rope_angles": t=[table[nRot, n] f32, pos[n] I32, freqFactors?], i=[nRot], f=[theta, freqScale]:
//   row t = cos then sin of token t's pair angles (rope_angles below);
// "rope_by_angles": t=[out, x[nHead*headDim, n], table[nRot, n]], i=[nHead, headDim, nRot, mode].
#include "rope.h"
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>
#include "op_util.h"

namespace ryzen {

std::string check_rope_params(const RopeParams& p) {
  if (p.n_head < 1) return "nHead must be >= 1, got " + std::to_string(p.n_head);
  if (p.head_dim < 1) return "headDim must be >= 1, got " + std::to_string(p.head_dim);
  if (p.n_rot < 0 || p.n_rot > p.head_dim || p.n_rot % 2 != 0)
    return "nRot must be even and in [0, headDim=" + std::to_string(p.head_dim) + "], got " + std::to_string(p.n_rot);
  if (p.mode != 0 && p.mode != 1) return "mode must be 0 (normal) or 1 (neox), got " + std::to_string(p.mode);
  if (!(p.theta > 0.0) || !std::isfinite(p.theta)) return "theta must be a finite number > 0";
  if (!std::isfinite(p.freq_scale)) return "freqScale must be finite";
  return "";
}

std::string check_freq_factors(const OpNode& node, size_t k, int64_t n_rot) {
  const Tensor& f = *node.t[k];
  const std::string who = "operand 'freqFactors' (t[" + std::to_string(k) + "])";
  if (f.type != DType::F32) return who + " must be f32, got " + type_shape_str(f);
  if (f.rows() != 1 || f.ne[0] < n_rot / 2)
    return who + " must have shape [" + std::to_string(n_rot / 2) + "] (one factor per rotated pair, nRot/2), got " +
           type_shape_str(f);
  const float* ff = (const float*)f.data;
  for (int64_t i = 0; i < n_rot / 2; i++)
    if (!(ff[i] > 0.0f) || !std::isfinite(ff[i]))
      return who + " element " + std::to_string(i) + " must be a finite number > 0, got " + std::to_string(ff[i]);
  return "";
}

void rope_freqs(const RopeParams& p, double* freqs) {
  for (int64_t i = 0; i < p.n_rot / 2; i++) freqs[i] = p.freq_scale * std::pow(p.theta, -2.0 * (double)i / (double)p.n_rot);
}

void rope_angles(const RopeParams& p, const double* freqs, double pos, float* cs) {
  const int64_t half = p.n_rot / 2;
  for (int64_t i = 0; i < half; i++) {
    const double a = p.freq_factors ? pos * freqs[i] / (double)p.freq_factors[i] : pos * freqs[i];
    cs[i] = (float)std::cos(a);
    cs[half + i] = (float)std::sin(a);
  }
}

void rope_heads(const RopeParams& p, const float* cs, const float* x, float* out, int64_t nh) {
  active_ops().rope_rotate(cs, x, out, nh, p.head_dim, p.n_rot, p.mode);
  if (out != x && p.n_rot < p.head_dim)
    for (int64_t h = 0; h < nh; h++)
      std::memcpy(out + h * p.head_dim + p.n_rot, x + h * p.head_dim + p.n_rot,
                  (size_t)(p.head_dim - p.n_rot) * sizeof(float));
}

namespace {

// Share ith of nth of the (token, head) units, as f(t, h0, h1) per token's run of heads [h0, h1).
template <typename F>
void for_head_runs(int64_t tokens, int64_t n_head, int ith, int nth, F f) {
  int64_t u0, u1;
  split_range(tokens * n_head, ith, nth, 1, &u0, &u1);
  while (u0 < u1) {
    const int64_t t = u0 / n_head, h0 = u0 % n_head;
    const int64_t h1 = u1 - t * n_head < n_head ? u1 - t * n_head : n_head;
    f(t, h0, h1);
    u0 = t * n_head + h1;
  }
}

RopeParams params_of(const OpNode& node) {
  return RopeParams{node.i[0], node.i[1], node.i[2], (int)node.i[3], node.f[0], node.f[1],
                    node.t.size() > 3 ? (const float*)node.t[3]->data : nullptr};
}

// The pair frequencies, computed once at validation.
struct RopeState {
  std::vector<double> freqs;
};

std::string validate(OpNode& node) {
  std::string e = expect_arity(node, 3, 4, "out, x, pos, freqFactors?");
  if (!e.empty()) return e;
  if (!(e = expect_params(node, 4, 2, "i=[nHead, headDim, nRot, mode], f=[theta, freqScale]")).empty()) return e;
  const RopeParams p = params_of(node);
  if (!(e = check_rope_params(p)).empty()) return e;
  if (p.n_head > (int64_t)1 << 24 || p.head_dim > (int64_t)1 << 24) return "nHead/headDim too large";
  const int64_t n = node.t[1]->rows();
  if (!(e = expect(node, 1, "x", DType::F32, p.n_head * p.head_dim, -1)).empty()) return e;
  if (!(e = expect(node, 0, "out", DType::F32, p.n_head * p.head_dim, n)).empty()) return e;
  if (!(e = expect_ids(node, 2, "pos", n)).empty()) return e;
  if (!(e = expect_no_overlap(node, 0, "out", 1, "x", true)).empty()) return e;
  if (!(e = expect_no_overlap(node, 0, "out", 2, "pos", false)).empty()) return e;
  if (node.t.size() > 3) {
    if (!(e = check_freq_factors(node, 3, p.n_rot)).empty()) return e;
    if (!(e = expect_no_overlap(node, 0, "out", 3, "freqFactors", false)).empty()) return e;
  }
  node.scratch_per_thread = (size_t)p.n_rot * sizeof(float);
  auto st = std::make_shared<RopeState>();
  st->freqs.resize((size_t)(p.n_rot / 2 + 1));
  rope_freqs(p, st->freqs.data());
  node.state = st;
  return "";
}

int phases(const OpNode&) { return 1; }

void run(const OpNode& node, int, int ith, int nth, uint8_t* scratch) {
  const RopeParams p = params_of(node);
  const Tensor &out = *node.t[0], &x = *node.t[1];
  const int32_t* pos = i32_data(*node.t[2]);
  const double* freqs = static_cast<const RopeState*>(node.state.get())->freqs.data();
  float* table = (float*)thread_scratch(node, scratch);
  for_head_runs(x.rows(), p.n_head, ith, nth, [&](int64_t t, int64_t h0, int64_t h1) {
    rope_angles(p, freqs, (double)pos[t], table);
    rope_heads(p, table, f32_row(x, t) + h0 * p.head_dim, f32_row(out, t) + h0 * p.head_dim, h1 - h0);
  });
}

const RegisterOp reg({"rope", validate, phases, run});

RopeParams angles_params(const OpNode& node) {
  return RopeParams{1, node.i[0], node.i[0], 0, node.f[0], node.f[1], node.t.size() > 2 ? (const float*)node.t[2]->data : nullptr};
}

std::string validate_angles(OpNode& node) {
  std::string e = expect_arity(node, 2, 3, "table, pos, freqFactors?");
  if (!e.empty()) return e;
  if (!(e = expect_params(node, 1, 2, "i=[nRot], f=[theta, freqScale]")).empty()) return e;
  const RopeParams p = angles_params(node);
  if (p.n_rot < 2) return "nRot must be even and >= 2, got " + std::to_string(p.n_rot);
  if (p.n_rot > (int64_t)1 << 24) return "nRot too large";
  if (!(e = check_rope_params(p)).empty()) return e;
  const int64_t n = node.t[1]->ne[0];
  if (!(e = expect_ids(node, 1, "pos", n)).empty()) return e;
  if (!(e = expect(node, 0, "table", DType::F32, p.n_rot, n)).empty()) return e;
  if (!(e = expect_no_overlap(node, 0, "table", 1, "pos", false)).empty()) return e;
  if (node.t.size() > 2) {
    if (!(e = check_freq_factors(node, 2, p.n_rot)).empty()) return e;
    if (!(e = expect_no_overlap(node, 0, "table", 2, "freqFactors", false)).empty()) return e;
  }
  auto st = std::make_shared<RopeState>();
  st->freqs.resize((size_t)(p.n_rot / 2 + 1));
  rope_freqs(p, st->freqs.data());
  node.state = st;
  return "";
}

void run_angles(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const RopeParams p = angles_params(node);
  const Tensor& table = *node.t[0];
  const int32_t* pos = i32_data(*node.t[1]);
  const double* freqs = static_cast<const RopeState*>(node.state.get())->freqs.data();
  int64_t t0, t1;
  split_range(table.rows(), ith, nth, 1, &t0, &t1);
  for (int64_t t = t0; t < t1; t++) rope_angles(p, freqs, (double)pos[t], f32_row(table, t));
}

RopeParams by_angles_params(const OpNode& node) {
  return RopeParams{node.i[0], node.i[1], node.i[2], (int)node.i[3], 1.0, 1.0, nullptr};
}

std::string validate_by_angles(OpNode& node) {
  std::string e = expect_arity(node, 3, 3, "out, x, table");
  if (!e.empty()) return e;
  if (!(e = expect_params(node, 4, 0, "i=[nHead, headDim, nRot, mode]")).empty()) return e;
  const RopeParams p = by_angles_params(node);
  if (!(e = check_rope_params(p)).empty()) return e;
  if (p.n_head > (int64_t)1 << 24 || p.head_dim > (int64_t)1 << 24) return "nHead/headDim too large";
  const int64_t n = node.t[1]->rows();
  if (!(e = expect(node, 1, "x", DType::F32, p.n_head * p.head_dim, -1)).empty()) return e;
  if (!(e = expect(node, 0, "out", DType::F32, p.n_head * p.head_dim, n)).empty()) return e;
  if (!(e = expect(node, 2, "table", DType::F32, p.n_rot, n)).empty()) return e;
  if (!(e = expect_no_overlap(node, 0, "out", 1, "x", true)).empty()) return e;
  return expect_no_overlap(node, 0, "out", 2, "table", false);
}

void run_by_angles(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const RopeParams p = by_angles_params(node);
  const Tensor &out = *node.t[0], &x = *node.t[1], &table = *node.t[2];
  for_head_runs(x.rows(), p.n_head, ith, nth, [&](int64_t t, int64_t h0, int64_t h1) {
    rope_heads(p, f32_row(table, t), f32_row(x, t) + h0 * p.head_dim, f32_row(out, t) + h0 * p.head_dim, h1 - h0);
  });
}

const RegisterOp reg_angles({"rope_angles", validate_angles, phases, run_angles});
const RegisterOp reg_by_angles({"rope_by_angles", validate_by_angles, phases, run_by_angles});

}  // namespace
}  // namespace ryzen
