// Token sampler for one sequence. Per token it does O(vocab) work plus a sort of the few
// surviving candidates, and allocates nothing: every buffer is sized once for the vocabulary.
//
// Order (as llama.cpp's default chain): logit bias -> repetition/frequency/presence penalties
// -> greedy if temperature <= 0, else top-k -> top-p -> min-p -> temperature -> draw.
import { Rng, randomSeed } from "./rng.js";
import type { ResolvedSampling } from "./options.js";

/** Candidates whose tempered logit is this far below the best have probability < e^-30: never drawn in practice. */
const NEGLIGIBLE = 30;

export class Sampler {
  private readonly rng: Rng;
  private readonly history: Int32Array; // ring buffer of the last repeatLastN tokens
  private historyLen = 0;
  private historyPos = 0;
  private readonly counts: Int32Array; // occurrences of each token in the ring buffer
  private readonly idx: Int32Array; // candidate ids
  private readonly prob: Float64Array; // candidate weights
  readonly seed: number;

  constructor(
    readonly vocabSize: number,
    readonly opts: ResolvedSampling,
  ) {
    this.seed = opts.seed ?? randomSeed();
    this.rng = new Rng(this.seed);
    const n = opts.repeatLastN;
    const penalised = opts.repeatPenalty !== 1 || opts.frequencyPenalty !== 0 || opts.presencePenalty !== 0;
    this.history = new Int32Array(penalised ? n : 0);
    this.counts = new Int32Array(penalised && n > 0 ? vocabSize : 0);
    const greedy = opts.temperature <= 0;
    this.idx = new Int32Array(greedy ? 0 : vocabSize);
    this.prob = new Float64Array(greedy ? 0 : vocabSize);
  }

  /** Record a token of the context (prompt or generated) for the penalties. */
  accept(token: number): void {
    const cap = this.history.length;
    if (cap === 0) return;
    if (this.historyLen === cap) {
      const old = this.history[this.historyPos];
      this.counts[old]--;
    } else {
      this.historyLen++;
    }
    this.history[this.historyPos] = token;
    this.counts[token]++;
    this.historyPos = (this.historyPos + 1) % cap;
  }

  /** Pick the next token. `logits` (one row of vocabSize) is modified in place. */
  sample(logits: Float32Array): number {
    this.applyBiasAndPenalties(logits);
    if (this.opts.temperature <= 0) return argmax(logits);
    return this.draw(logits);
  }

  private applyBiasAndPenalties(logits: Float32Array): void {
    for (const [id, b] of this.opts.logitBias) logits[id] += b;
    if (this.historyLen === 0) return;
    const { repeatPenalty, frequencyPenalty, presencePenalty } = this.opts;
    const cap = this.history.length;
    // Each distinct token once: flip its count negative while visiting, restore afterwards.
    for (let i = 0; i < this.historyLen; i++) {
      const t = this.history[(this.historyPos - 1 - i + cap) % cap];
      const c = this.counts[t];
      if (c <= 0) continue;
      let l = logits[t];
      if (repeatPenalty !== 1) l = l > 0 ? l / repeatPenalty : l * repeatPenalty;
      l -= c * frequencyPenalty + presencePenalty;
      logits[t] = l;
      this.counts[t] = -c;
    }
    for (let i = 0; i < this.historyLen; i++) {
      const t = this.history[i];
      if (this.counts[t] < 0) this.counts[t] = -this.counts[t];
    }
  }

  private draw(logits: Float32Array): number {
    const { temperature, topK, topP, minP } = this.opts;
    const V = this.vocabSize;
    let maxL = -Infinity;
    for (let i = 0; i < V; i++) if (logits[i] > maxL) maxL = logits[i];
    if (maxL === -Infinity) return argmax(logits);
    // Pre-filter: min-p (relative to the best token, before temperature, as llama.cpp) and the negligible tail.
    let floor = maxL - NEGLIGIBLE * temperature;
    if (minP > 0) floor = Math.max(floor, maxL + Math.log(minP));
    const idx = this.idx;
    let n = 0;
    for (let i = 0; i < V; i++) if (logits[i] >= floor) idx[n++] = i;
    if (topK > 0 && topK < n) {
      selectTopK(idx, n, topK, logits);
      n = topK;
    }
    sortByLogitDesc(idx, n, logits);
    if (topP < 1) {
      // top-p over the softmax of the untempered logits (llama.cpp applies temperature last).
      let z = 0;
      for (let j = 0; j < n; j++) z += Math.exp(logits[idx[j]] - maxL);
      let cum = 0;
      let keep = n;
      for (let j = 0; j < n; j++) {
        cum += Math.exp(logits[idx[j]] - maxL) / z;
        if (cum >= topP) { keep = j + 1; break; }
      }
      n = keep;
    }
    const prob = this.prob;
    let z = 0;
    for (let j = 0; j < n; j++) {
      const p = Math.exp((logits[idx[j]] - maxL) / temperature);
      prob[j] = p;
      z += p;
    }
    let r = this.rng.next() * z;
    for (let j = 0; j < n; j++) {
      r -= prob[j];
      if (r < 0) return idx[j];
    }
    return idx[n - 1];
  }
}

/** Index of the largest value; ties go to the lowest index. */
export function argmax(x: Float32Array): number {
  let best = 0;
  let bv = x[0];
  for (let i = 1; i < x.length; i++) if (x[i] > bv) { bv = x[i]; best = i; }
  return best;
}

/** Quickselect: move the k largest (by logit, ties by lower id) of idx[0..n) to the front. */
function selectTopK(idx: Int32Array, n: number, k: number, logits: Float32Array): void {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = idx[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(idx[i], pivot, logits)) i++;
      while (before(pivot, idx[j], logits)) j--;
      if (i <= j) { const t = idx[i]; idx[i] = idx[j]; idx[j] = t; i++; j--; }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

function before(a: number, b: number, logits: Float32Array): boolean {
  return logits[a] > logits[b] || (logits[a] === logits[b] && a < b);
}

/** Insertion sort for short lists, otherwise a typed-array sort of a subarray. */
function sortByLogitDesc(idx: Int32Array, n: number, logits: Float32Array): void {
  if (n <= 64) {
    for (let i = 1; i < n; i++) {
      const v = idx[i];
      let j = i - 1;
      while (j >= 0 && before(v, idx[j], logits)) { idx[j + 1] = idx[j]; j--; }
      idx[j + 1] = v;
    }
    return;
  }
  idx.subarray(0, n).sort((a, b) => (logits[b] - logits[a]) || (a - b));
}
