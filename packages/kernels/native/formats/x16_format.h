// Glue for weight formats with an "x16" engine layout (16-row tiles repacked at prepare(), see
// q4_0_x16.h, q8_0_x16.h, q4_k_x16.h, q6_k_x16.h) beside their on-disk block layout ("gguf"):
// layout choice and repack, the kernels of both layouts, selection and listing. Flag-free code
// only (format TUs).
#pragma once
#include <memory>
#include <string>
#include "formats/q4_0_x16.h"
#include "scalar/quant_format.h"

namespace ryzen {

// Kernel over x16 weights `data` (`rows` rows): rows [g.r0, g.r1), r0 a multiple of 16.
using X16Gemm = void (*)(const uint8_t* data, int64_t rows, const GemmArgs& g);

template <int Layout>
bool is_x16(const MatmulWeights& w) { return w.layout == Layout; }
template <int Layout>
bool is_gguf(const MatmulWeights& w) { return w.layout != Layout; }

// An x16 kernel passes all of its tokens over one tile pair before the next (x16_common.h), so all
// their activation rows are read once per pair. A call gets them in panels of tokens whose rows
// fit in kX16PanelActBytes (but at least kX16MinPanel tokens, so the weights, read once per panel,
// stay amortized), which then stay in L2 while the pairs go by. Xeon, 2 threads, 1024 tokens:
// Q4_K 2560x6912 784 -> 844 GOPS, 6912x2560 ~+8 %; Q8_0 2560x6912 979 -> 1059 GOPS. (64-token
// panels made Q8_0 6912x2560 x 256 tokens ~5 % slower: its weights are 8 bits.)
constexpr size_t kX16PanelActBytes = 512 * 1024;
constexpr int64_t kX16MinPanel = 128;

inline int64_t x16_panel_tokens(size_t act_row_bytes, int64_t n) {
  const int64_t fit = (int64_t)(kX16PanelActBytes / act_row_bytes);
  const int64_t most = fit > kX16MinPanel ? fit : kX16MinPanel;
  if (n <= most) return n;
  const int64_t panels = (n + most - 1) / most;
  return ((n + panels - 1) / panels + 3) / 4 * 4;  // balanced, in whole 4-token blocks
}

template <X16Gemm F, ActKind A>
void compute_x16(const MatmulWeights& w, const uint8_t* scratch, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy, int64_t r0, int64_t r1) {
  const size_t arb = act_row_bytes(A, w.cols);
  const int64_t panel = x16_panel_tokens(arb, n);
  for (int64_t t0 = 0; t0 < n; t0 += panel) {
    const int64_t nt = n - t0 < panel ? n - t0 : panel;
    GemmArgs g{nullptr, 0, w.cols, scratch + t0 * arb, arb, x + t0 * ldx, ldx, nt, y + t0 * ldy, ldy, r0, r1};
    F(w.data, w.rows, g);
  }
}

// An x16 kernel; `group_rows`: rows its prefill loop runs together (MatmulKernel::group_rows).
template <Isa I, X16Gemm F, ActKind A, int Layout>
MatmulKernel x16_kernel(const char* name, int64_t group_rows) {
  return MatmulKernel{name, 16, act_bytes_t<A>, prepare_acts_t<A, I>, compute_x16<F, A>, is_x16<Layout>, group_rows};
}

// A block-layout kernel (the generic per-ISA GemmFn tables) that refuses x16 weights.
template <ActKind A, GemmFn FormatKernels::*M, Isa I, int Layout>
MatmulKernel gguf_kernel(const char* name) {
  MatmulKernel k = make_kernel<A, M, I>(name);
  k.accepts = is_gguf<Layout>;
  return k;
}

// Everything a format with an x16 layout declares once; prepare/select/list below do the rest.
struct X16Format {
  DType type;
  const char* env;   // e.g. RYZEN_Q4_0_LAYOUT: "x16" or "gguf" forces the layout
  Isa min_isa;       // x16 by default where this ISA or a wider one is active
  int layout;        // MatmulWeights::layout of the x16 copy
  q4x16::TileLayout tiles;  // sizes of the x16 copy
  // Repacking, per tile: on-disk row r into its x16 codes (codes[0, K), unsigned as the layout
  // stores them) and its scales as row i of the tile's zeroed meta ...
  void (*decode_row)(const uint8_t* src, int64_t r, int64_t K, uint8_t* codes, uint8_t* tile_meta, int i);
  // ... then each unit's code bytes from the 16 rows' codes (row i's at codes + i * stride).
  void (*pack_unit)(const uint8_t* codes, int64_t stride, uint8_t* out);
  FormatKernelSet gguf;
  const MatmulKernel* x16[3];  // by Isa; null where the ISA has no x16 kernel
};

// prepare(): validates and aliases the on-disk bytes, then repacks into x16 when chosen (and
// memory allows: otherwise the block layout stays).
bool prepare_x16(const X16Format& f, const uint8_t* src, size_t src_bytes, int64_t rows, int64_t cols,
                 std::shared_ptr<void> owner, MatmulWeights& out, std::string& err);
const MatmulKernel* select_x16(const X16Format& f, Isa isa, const MatmulWeights& w);
int list_x16(const X16Format& f, Isa isa, const MatmulKernel** out, int max);

}  // namespace ryzen
