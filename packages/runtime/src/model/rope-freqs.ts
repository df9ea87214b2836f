// Llama 3.1-style RoPE frequency factors (`rope_freqs.weight`): the kernels' rope and kv_shift ops
// take them as an optional last tensor operand (each pair's angle is divided by its factor, as
// ggml's freq_factors).
import type { Tensor } from "@ryzen/kernels";

/** The node with the factors appended as its last tensor operand (unchanged without factors). */
export function withRopeFreqs<N extends { t: Tensor[] }>(node: N, ropeFreqs: Tensor | undefined): N {
  if (ropeFreqs) node.t.push(ropeFreqs);
  return node;
}
