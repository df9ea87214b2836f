// Perplexity windowing exactly as llama.cpp's llama-perplexity does it: the token stream is
// cut into floor(n / ctx) non-overlapping windows of ctx tokens; each window is evaluated
// from an empty context (its first token replaced by BOS when the vocabulary adds one), and
// only the second half is scored: logits at positions first..ctx-2 (first = floor(ctx/2))
// predict the tokens at first+1..ctx-1. Perplexity = exp(total NLL / scored tokens).

export interface PerplexityWindow {
  /** Index of the window's first token in the token stream. */
  start: number;
  /** Position inside the window of the first scored logit row. */
  first: number;
  /** Number of scored predictions (ctx - first - 1). */
  count: number;
}

export function perplexityWindows(nTokens: number, ctx: number): PerplexityWindow[] {
  if (!Number.isInteger(ctx) || ctx < 4) throw new RangeError(`context must be an integer of at least 4, got ${ctx}`);
  const first = Math.floor(ctx / 2);
  const n = Math.floor(nTokens / ctx);
  return Array.from({ length: n }, (_, i) => ({ start: i * ctx, first, count: ctx - first - 1 }));
}

/** The tokens a window evaluates (ctx of them), with BOS substituted at the start if wanted. */
export function windowTokens(tokens: readonly number[], w: PerplexityWindow, ctx: number, bos: number | null): number[] {
  const out = tokens.slice(w.start, w.start + ctx);
  if (bos !== null) out[0] = bos;
  return out;
}

/**
 * Sum of negative log-likelihoods (float64) of the window's scored tokens, given the logits of
 * every position of the window (ctx × vocab, row-major).
 */
export function windowNll(logits: Float32Array, vocab: number, tokens: readonly number[], w: PerplexityWindow, ctx: number): number {
  if (logits.length < ctx * vocab) throw new RangeError(`expected ${ctx}×${vocab} logits, got ${logits.length}`);
  let nll = 0;
  for (let j = w.first; j < w.first + w.count; j++) {
    const row = logits.subarray(j * vocab, (j + 1) * vocab);
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (row[v]! > max) max = row[v]!;
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(row[v]! - max);
    const target = tokens[w.start + j + 1]!;
    nll += -(row[target]! - max - Math.log(sum));
  }
  return nll;
}
