// A slow, obviously-correct reference forward pass for tests (float64 throughout).
// Covers llama and BitNet b1.58: RMSNorm, GQA attention over a KV cache, RoPE "normal"
// (pairs x[2i], x[2i+1]) or "neox" (pairs x[i], x[i + nRot/2]), SwiGLU or ReLU² FFN
// (act(gate) * up), BitNet's attn_sub_norm / ffn_sub_norm, tied output head.
// Optional emulations of what the engine does on purpose, so a comparison isolates bugs:
//   - kvF16: K and V rounded to f16 when stored (the engine's default KV cache type);
//   - ternary projections quantize their input to int8 per token with the absmax rule
//     (scale = 127 / max|x|, q = round(x * scale) clamped to [-128, 127], as bitnet.cpp's
//     quantize_row_i8_s), then y = (W_ternary · q) / scale * weightScale.
import type { ModelConfig } from "../../src/model/config.js";

export interface RefLinear {
  /** N rows of K (row r = output r), float64. For ternary layers: values in {-1, 0, 1}. */
  w: Float64Array;
  N: number;
  K: number;
  /** Ternary weights: multiply by this per-tensor scale after the int8 dot product. */
  ternaryScale?: number;
}

export interface RefLayer {
  attnNorm: Float64Array;
  q: RefLinear;
  k: RefLinear;
  v: RefLinear;
  o: RefLinear;
  attnSubNorm?: Float64Array;
  ffnNorm: Float64Array;
  gate: RefLinear;
  up: RefLinear;
  down: RefLinear;
  ffnSubNorm?: Float64Array;
}

export interface RefWeights {
  /** vocab rows of E */
  tokenEmbedding: Float64Array;
  outputNorm: Float64Array;
  /** vocab rows of E (the embedding itself when tied) */
  output: RefLinear;
  layers: RefLayer[];
  vocabSize: number;
  /** Llama 3.1 `rope_freqs.weight`: pair i's angle is divided by ropeFreqs[i] (as ggml). */
  ropeFreqs?: Float64Array;
}

export interface RefOptions {
  kvF16?: boolean;
  /** K and V stored as ggml q8_0 (blocks of 32: d = max|x|/127 kept as f16, q = round(x/d)). */
  kvQ8?: boolean;
  /** Activation quantization of ternary projections: per token row (bitnet.cpp) or none. */
  ternaryActs?: "int8-row" | "none";
}

export function roundToF16(x: number): number {
  // Exact round-to-nearest-even to the f16 grid (normals and subnormals; overflow -> ±inf).
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = 2 ** (e - 10);
  let q = a / ulp;
  const f = Math.floor(q);
  const r = q - f;
  q = r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * q * ulp;
}

/** Values after a ggml q8_0 round trip (quantize_row_q8_0_ref: id = 1/d from the f32 d, d stored as f16). */
export function roundToQ8_0(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < x.length; b += 32) {
    let amax = 0;
    for (let j = b; j < b + 32; j++) amax = Math.max(amax, Math.abs(Math.fround(x[j])));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const dh = roundToF16(d);
    for (let j = b; j < b + 32; j++) out[j] = roundHalfAway(Math.fround(Math.fround(x[j]) * id)) * dh;
  }
  return out;
}

function rmsNorm(x: Float64Array, w: Float64Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const s = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * s * w[i]);
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
}

function linear(lin: RefLinear, x: Float64Array, opts: RefOptions): Float64Array {
  const y = new Float64Array(lin.N);
  let xin = x;
  let post = 1;
  if (lin.ternaryScale !== undefined) {
    post = lin.ternaryScale;
    if ((opts.ternaryActs ?? "int8-row") === "int8-row") {
      let amax = 0;
      for (const v of x) amax = Math.max(amax, Math.abs(v));
      const s = amax > 0 ? 127 / amax : 0;
      xin = x.map((v) => Math.max(-128, Math.min(127, roundHalfAway(v * s))));
      post = s > 0 ? lin.ternaryScale / s : 0;
    }
  }
  for (let r = 0; r < lin.N; r++) {
    let acc = 0;
    const base = r * lin.K;
    for (let k = 0; k < lin.K; k++) acc += lin.w[base + k] * xin[k];
    y[r] = acc * post;
  }
  return y;
}

function rope(x: Float64Array, nHead: number, cfg: ModelConfig, pos: number, freqFactors?: Float64Array): void {
  const hd = cfg.headDim;
  const nRot = cfg.ropeDims;
  const p = pos * cfg.ropeFreqScale;
  for (let h = 0; h < nHead; h++) {
    const o = h * hd;
    for (let i = 0; i < nRot / 2; i++) {
      const theta = (p * Math.pow(cfg.ropeTheta, (-2 * i) / nRot)) / (freqFactors ? freqFactors[i] : 1);
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      const [a, b] = cfg.ropeMode === "normal" ? [o + 2 * i, o + 2 * i + 1] : [o + i, o + i + nRot / 2];
      const x0 = x[a];
      const x1 = x[b];
      x[a] = x0 * c - x1 * s;
      x[b] = x0 * s + x1 * c;
    }
  }
}

/** One sequence with its own KV cache. */
export class RefModel {
  private readonly kCache: Float64Array[][] = [];
  private readonly vCache: Float64Array[][] = [];

  constructor(
    readonly cfg: ModelConfig,
    readonly w: RefWeights,
    readonly opts: RefOptions = {},
  ) {
    for (let l = 0; l < cfg.blockCount; l++) {
      this.kCache.push([]);
      this.vCache.push([]);
    }
  }

  get length(): number {
    return this.kCache[0].length;
  }

  /** Context shift: drop positions [keep, keep + discard); later keys move down and are
   *  rotated by -discard (RoPE angles add), then stored again in the cache's precision. */
  shift(keep: number, discard: number): void {
    for (let l = 0; l < this.cfg.blockCount; l++) {
      this.kCache[l].splice(keep, discard);
      this.vCache[l].splice(keep, discard);
      for (let p = keep; p < this.kCache[l].length; p++) {
        const k = this.kCache[l][p].slice();
        rope(k, this.cfg.headCountKv, this.cfg, -discard, this.w.ropeFreqs);
        this.kCache[l][p] = this.opts.kvQ8 ? roundToQ8_0(k) : this.opts.kvF16 ? k.map(roundToF16) : k;
      }
    }
  }

  /** Feed one token at the next position; returns its logits. */
  step(token: number): Float64Array {
    const c = this.cfg;
    const E = c.embeddingLength;
    const hd = c.headDim;
    const pos = this.length;
    const group = c.headCount / c.headCountKv;
    const store = (v: Float64Array) => (this.opts.kvQ8 ? roundToQ8_0(v) : this.opts.kvF16 ? v.map(roundToF16) : v.slice());
    let x = this.w.tokenEmbedding.slice(token * E, (token + 1) * E);

    for (let l = 0; l < c.blockCount; l++) {
      const lw = this.w.layers[l];
      const h = rmsNorm(x, lw.attnNorm, c.rmsEps);
      const q = linear(lw.q, h, this.opts);
      const k = linear(lw.k, h, this.opts);
      const v = linear(lw.v, h, this.opts);
      rope(q, c.headCount, c, pos, this.w.ropeFreqs);
      rope(k, c.headCountKv, c, pos, this.w.ropeFreqs);
      this.kCache[l].push(store(k));
      this.vCache[l].push(store(v));

      let att: Float64Array = new Float64Array(c.headCount * hd);
      for (let head = 0; head < c.headCount; head++) {
        const kvh = Math.floor(head / group);
        const scores = new Float64Array(pos + 1);
        let max = -Infinity;
        for (let t = 0; t <= pos; t++) {
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[head * hd + d] * this.kCache[l][t][kvh * hd + d];
          scores[t] = s / Math.sqrt(hd);
          max = Math.max(max, scores[t]);
        }
        let z = 0;
        for (let t = 0; t <= pos; t++) z += (scores[t] = Math.exp(scores[t] - max));
        for (let t = 0; t <= pos; t++) {
          const p = scores[t] / z;
          for (let d = 0; d < hd; d++) att[head * hd + d] += p * this.vCache[l][t][kvh * hd + d];
        }
      }
      if (lw.attnSubNorm) att = rmsNorm(att, lw.attnSubNorm, c.rmsEps);
      const o = linear(lw.o, att, this.opts);
      x = x.map((xv, i) => xv + o[i]);

      const h2 = rmsNorm(x, lw.ffnNorm, c.rmsEps);
      const g = linear(lw.gate, h2, this.opts);
      const u = linear(lw.up, h2, this.opts);
      let a: Float64Array = g.map((gv, i) => {
        const act = c.activation === "relu2" ? Math.max(0, gv) ** 2 : gv / (1 + Math.exp(-gv));
        return act * u[i];
      });
      if (lw.ffnSubNorm) a = rmsNorm(a, lw.ffnSubNorm, c.rmsEps);
      const d = linear(lw.down, a, this.opts);
      x = x.map((xv, i) => xv + d[i]);
    }
    const hn = rmsNorm(x, this.w.outputNorm, c.rmsEps);
    return linear(this.w.output, hn, this.opts);
  }
}

export function argmax64(x: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
  return b;
}
