// Benchmark probes as ops, so the kernel benchmark measures the machine through the same
// thread pool as the kernels (see packages/kernels/bench):
//   "bench_read"  t=[sink i32 [>= threads], buf f32 [any]]   every thread streams its share of buf
//   "bench_peak"  t=[sink i32 [>= threads]], i=[iters]        every thread runs the int8 multiply-add
//                                                             loop of the active ISA (VNNI on AVX-512)
// The sink keeps the loops' results observable.
#include <cstring>
#include "core/isa.h"
#include "core/op.h"
#include "ternary/bench_probes.h"

namespace ryzen {
namespace {

std::string validate_sink(const OpNode& node) {
  if (node.t.empty() || node.t[0]->type != DType::I32 || node.t[0]->elements() < 64)
    return "operand 'sink' (t[0]) must be an i32 tensor of at least 64 elements";
  return "";
}

std::string v_read(OpNode& node) {
  if (node.t.size() != 2) return "expects 2 tensor operands (sink, buf)";
  if (node.t[1]->type != DType::F32) return "operand 'buf' (t[1]) must be f32";
  return validate_sink(node);
}

std::string v_peak(OpNode& node) {
  if (node.t.size() != 1) return "expects 1 tensor operand (sink)";
  if (node.i.size() != 1 || node.i[0] <= 0) return "expects i=[iters] with iters > 0";
  return validate_sink(node);
}

int one_phase(const OpNode&) { return 1; }

uint64_t read_scalar(const uint8_t* p, size_t bytes) {
  uint64_t acc = 0;
  for (size_t i = 0; i + 8 <= bytes; i += 64) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    acc ^= v;
  }
  return acc;
}

void r_read(const OpNode& node, int, int ith, int nth, uint8_t*) {
  const Tensor& buf = *node.t[1];
  int64_t b, e;
  split_range(buf.elements() * 4, ith, nth, 4096, &b, &e);
  const uint8_t* p = buf.data + b;
  const size_t n = (size_t)(e - b);
  uint64_t r;
  switch (active_isa()) {
    case Isa::Avx512: r = avx512::bench_read(p, n); break;
    case Isa::Avx2: r = avx2::bench_read(p, n); break;
    default: r = read_scalar(p, n); break;
  }
  node.t[0]->as<int32_t>()[ith % 64] = (int32_t)r;
}

void r_peak(const OpNode& node, int, int ith, int, uint8_t*) {
  int32_t r = 0;
  switch (active_isa()) {
    case Isa::Avx512: r = avx512::bench_vnni(node.i[0]); break;
    case Isa::Avx2: r = avx2::bench_maddubs(node.i[0]); break;
    default: break;  // no scalar peak probe
  }
  node.t[0]->as<int32_t>()[ith % 64] = r;
}

const RegisterOp reg_read({"bench_read", v_read, one_phase, r_read});
const RegisterOp reg_peak({"bench_peak", v_peak, one_phase, r_peak});

}  // namespace
}  // namespace ryzen
