// Helpers shared by the non-matmul ops: operand validation with messages that name the operand
// and the expected shape, row access, thread splits and the active ISA's row kernels.
#pragma once
#include <cstdint>
#include <string>
#include "core/isa.h"
#include "core/op.h"
#include "scalar/ops_kernels.h"

namespace ryzen {

// "[4096, 7]" / "f32 [4096, 7]"
std::string shape_str(const Tensor& t);
std::string type_shape_str(const Tensor& t);

// Checks operand k is `type` with ne[0] == cols (if cols >= 0) and rows() == rows (if rows >= 0).
// Returns "" or a message like "operand 'out' (t[0]) must have shape [64, 3], got f32 [64, 2]"
// (type errors: "... must be f32, got f16 [64, 3]").
std::string expect(const OpNode& node, size_t k, const char* name, DType type, int64_t cols, int64_t rows);
// Operand k must be an i32 tensor with n elements (one per token: positions, slots).
std::string expect_ids(const OpNode& node, size_t k, const char* name, int64_t n);
// Output operand `out` may be the very same view as input `in` (in-place use) only when
// `in_place_ok`; any other sharing of bytes is rejected ("operand 'out' (t[0]) overlaps ...").
std::string expect_no_overlap(const OpNode& node, size_t out, const char* out_name, size_t in, const char* in_name,
                              bool in_place_ok);
// Arity check: "expects 3 tensor operands (out, a, b), got 2".
std::string expect_arity(const OpNode& node, size_t min, size_t max, const char* names);
std::string expect_params(const OpNode& node, size_t ni, size_t nf, const char* names);

inline float* f32_row(const Tensor& t, int64_t r) { return (float*)(t.data + r * t.nb[1]); }
inline const int32_t* i32_data(const Tensor& t) { return (const int32_t*)t.data; }

// The row kernels for the active ISA path (clamped to what the CPU has).
const OpsKernels& active_ops();

// Splits rows x cols element-wise work: by rows when there are enough rows for every thread,
// otherwise by column ranges (multiples of 16) within each row.
struct Slice {
  int64_t r0, r1, c0, c1;
};
Slice split_rows_or_cols(int64_t rows, int64_t cols, int ith, int nth);

}  // namespace ryzen
