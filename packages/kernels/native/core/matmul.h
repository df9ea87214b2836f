// Matrix multiplication interface shared by every weight format.
//
//   y[t][r] = sum_k W[r][k] * x[t][k]      W: rows x cols (N x K), x: n tokens x K (f32), y: n x N (f32)
//
// A WeightFormat turns on-disk (GGUF) bytes into MatmulWeights (possibly repacked into an
// engine layout), and picks a MatmulKernel for an ISA and token count. A kernel runs in two
// phases separated by a barrier: prepare_acts (activations -> the kernel's scratch format,
// split across threads by token) then compute (split across threads by output row).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include "dtype.h"
#include "isa.h"

namespace ryzen {

struct MatmulWeights {
  DType type = DType::F32;          // on-disk type the weights came from
  int64_t rows = 0, cols = 0;       // N outputs, K inputs
  const uint8_t* data = nullptr;    // engine layout (may alias the source bytes)
  size_t bytes = 0;
  float scale = 1.0f;               // per-tensor scale (I2_S), 1 otherwise
  int layout = 0;                   // format-private layout tag
  std::shared_ptr<void> owner;      // keeps `data` alive (packed copy or the source mapping)
};

struct MatmulKernel {
  const char* name;                 // e.g. "tq2_0.mad.avx512"
  int64_t row_multiple;             // compute() row ranges start at multiples of this
  // Scratch bytes for n tokens of K inputs (0 if the kernel reads f32 activations directly).
  size_t (*act_bytes)(int64_t K, int64_t n);
  // Convert tokens [t0, t1) of x (row stride ldx floats) into scratch.
  void (*prepare_acts)(const float* x, int64_t ldx, int64_t K, int64_t t0, int64_t t1, uint8_t* scratch);
  // y[t*ldy + r] for rows [r0, r1) and all n tokens; x is passed too for kernels without scratch.
  void (*compute)(const MatmulWeights& w, const uint8_t* scratch, const float* x, int64_t ldx,
                  int64_t n, float* y, int64_t ldy, int64_t r0, int64_t r1);
  // Whether compute() can run on these prepared weights (formats with several engine layouts);
  // null: any.
  bool (*accepts)(const MatmulWeights& w) = nullptr;
  // Prefill (many-token) row shares are whole multiples of this when each share gets at least
  // one: the kernel's row group (a multiple of row_multiple). 0: no preference.
  int64_t group_rows = 0;
  // Byte offset in w.data where a row range starting at `row` begins its reads, for layouts where
  // that is not row/rows of the way in (null: assume it is).
  size_t (*row_offset)(const MatmulWeights& w, int64_t row) = nullptr;
  // prepare_acts token ranges split across threads start at multiples of this (kernels that
  // convert tokens in blocks); a range ends at a multiple or at the last token.
  int64_t token_multiple = 1;
};

struct WeightFormat {
  DType type;
  // Validate sizes and build engine-layout weights from `src` (on-disk bytes of the whole tensor).
  // `src_owner` keeps src alive if the format aliases it. Returns false and sets err on bad input.
  bool (*prepare)(const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols,
                  std::shared_ptr<void> src_owner, MatmulWeights& out, std::string& err);
  // The kernel to use on `isa` for n tokens (may choose between kernel families by shape).
  const MatmulKernel* (*select)(Isa isa, int64_t n_tokens, const MatmulWeights& w);
  // All kernels of this format available on `isa` (tests run each of them).
  int (*kernels)(Isa isa, const MatmulKernel** out, int max);
  // Decode `count` elements starting at element `first` of the on-disk tensor into f32.
  // (Row-granular for block formats: first and count are multiples of the block size.)
  void (*dequantize)(const uint8_t* src, size_t src_bytes, int64_t first, int64_t count, float* dst);
  // Encode rows x cols f32 into on-disk bytes (bit-compatible with llama.cpp / bitnet.cpp),
  // dst has dtype_tensor_bytes(type, rows, cols) bytes. nullptr if the format cannot quantize.
  void (*quantize)(const float* src, int64_t rows, int64_t cols, uint8_t* dst);
  // Optional: decode row `row` of weights prepared in an engine layout (layout != 0) into f32,
  // the same values as dequantize on the on-disk row. Lets get_rows read a tied embedding from
  // the repacked copy instead of faulting the dropped file pages back in.
  void (*dequantize_prepared)(const MatmulWeights& w, int64_t row, float* dst) = nullptr;
};

// Registry. Formats register from static initializers in their (non-ISA) translation units.
void register_weight_format(const WeightFormat& f);
const WeightFormat* find_weight_format(DType type);

struct RegisterWeightFormat {
  explicit RegisterWeightFormat(const WeightFormat& f) { register_weight_format(f); }
};

}  // namespace ryzen
