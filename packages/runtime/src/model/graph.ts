// The forward pass as kernel Plans. One Plan per step shape (n tokens in, m logits rows out):
// prefill is one GEMM per projection over all its tokens, decode is n = 1, batched decode is
// n = number of sequences. Token ids, positions and KV slots are I32 tensors the engine fills
// before run(); activations are preallocated once at the largest step and viewed per plan, so
// a step allocates nothing and crosses into native code exactly once.
import { GGMLType, Plan, Tensor, nodes as op, type PlanNode } from "@ryzen/kernels";
import type { KvCache } from "../kv/cache.js";
import type { ModelConfig } from "./config.js";
import { withRopeFreqs } from "./rope-freqs.js";
import type { Linear, ModelWeights } from "./weights.js";

const PLAN_CACHE = 24;

export class ForwardGraph {
  /** Token inputs of a step (first n entries used), in JS memory the plans read directly. */
  readonly ids: Int32Array;
  readonly pos: Int32Array;
  readonly seq: Int32Array;
  /** Rows (indices into the step's tokens) whose logits are computed, when m < n. */
  readonly outRows: Int32Array;
  /** m x vocab logits written by the plan. */
  readonly logits: Float32Array;
  private readonly io: { ids: Tensor; pos: Tensor; seq: Tensor; outRows: Tensor; logits: Tensor };
  private readonly bufs = new Map<string, Tensor>();
  private readonly plans = new Map<string, Plan>();
  /** View handles made while building a plan; released once the Plan holds them. */
  private views: Tensor[] = [];
  private kvVersion = -1;

  constructor(
    private readonly cfg: ModelConfig,
    private readonly w: ModelWeights,
    private readonly kv: KvCache,
    /** Most tokens in one step. */
    readonly maxTokens: number,
    /** Most logits rows in one step. */
    readonly maxOutputs: number,
  ) {
    // JS-owned memory wrapped zero-copy: the engine writes inputs and reads logits with no
    // per-step allocation, and no pool memory stays pinned by typed arrays after dispose().
    this.ids = new Int32Array(maxTokens);
    this.pos = new Int32Array(maxTokens);
    this.seq = new Int32Array(maxTokens);
    this.outRows = new Int32Array(maxOutputs);
    this.logits = new Float32Array(w.vocabSize * maxOutputs);
    this.io = {
      ids: Tensor.from(GGMLType.I32, [maxTokens], this.ids),
      pos: Tensor.from(GGMLType.I32, [maxTokens], this.pos),
      seq: Tensor.from(GGMLType.I32, [maxTokens], this.seq),
      outRows: Tensor.from(GGMLType.I32, [maxOutputs], this.outRows),
      logits: Tensor.from(GGMLType.F32, [w.vocabSize, maxOutputs], this.logits),
    };
  }

  /** Run one step over the first n entries of ids/pos/seq; returns logits of m rows (a view, valid until the next run). */
  run(n: number, m: number): Float32Array {
    this.plan(n, m).run();
    return this.logits.subarray(0, m * this.w.vocabSize);
  }

  private plan(n: number, m: number): Plan {
    if (this.kvVersion !== this.kv.version) {
      this.clearPlans();
      this.kvVersion = this.kv.version;
    }
    const key = `${n}:${m}`;
    let p = this.plans.get(key);
    if (p) {
      this.plans.delete(key); // LRU: re-insert as most recent
      this.plans.set(key, p);
      return p;
    }
    try {
      p = new Plan(this.nodes(n, m));
    } finally {
      for (const v of this.views) v.dispose();
      this.views = [];
    }
    this.plans.set(key, p);
    if (this.plans.size > PLAN_CACHE) {
      const oldest = this.plans.keys().next().value as string;
      this.plans.get(oldest)!.dispose();
      this.plans.delete(oldest);
    }
    return p;
  }

  /** A preallocated f32 activation of `width` x maxTokens, viewed as width x n. */
  private act(name: string, width: number, n: number, rows = this.maxTokens): Tensor {
    let t = this.bufs.get(name);
    if (!t) {
      t = Tensor.empty(GGMLType.F32, [width, rows]);
      this.bufs.set(name, t);
    }
    return this.view(t.rows(0, n));
  }

  private view(t: Tensor): Tensor {
    this.views.push(t);
    return t;
  }

  /** The first n elements of a 1-D tensor, as a 1-D view. */
  private prefix(t: Tensor, n: number): Tensor {
    const wide = this.view(t.reshape([1, t.shape[0]]));
    return this.view(this.view(wide.rows(0, n)).reshape([n]));
  }

  private nodes(n: number, m: number): PlanNode[] {
    const c = this.cfg;
    const E = c.embeddingLength;
    const F = c.feedForwardLength;
    const qDim = c.headCount * c.headDim;
    const kvDim = c.headCountKv * c.headDim;
    const eps = c.rmsEps;
    const ids = this.prefix(this.io.ids, n);
    const pos = this.prefix(this.io.pos, n);
    const seq = this.prefix(this.io.seq, n);
    const rope = (nHead: number) => ({
      nHead, headDim: c.headDim, nRot: c.ropeDims, mode: c.ropeMode, theta: c.ropeTheta, freqScale: c.ropeFreqScale,
    });
    const nodes: PlanNode[] = [];

    // y_j = x·W_jᵀ (· scale) (+ bias) for projections sharing the input x, through scratch
    // buffers so no op writes its own input. Several projections are one matmul_multi node:
    // activations converted once, one compute phase (two barriers instead of two per weight).
    const linears = (x: Tensor, specs: [out: string, lin: Linear, N: number][]): Tensor[] => {
      const raw = specs.map(([out, lin, N]) => this.act(lin.scale !== undefined || lin.bias ? `${out}.raw` : out, N, n));
      const ws = specs.map(([, lin]) => lin.w);
      nodes.push(specs.length === 1 ? op.matmul(raw[0], ws[0], x) : op.matmulMulti(raw, ws, x));
      return specs.map(([out, lin, N], j) => {
        let y = raw[j];
        if (lin.scale !== undefined) {
          const s = this.act(lin.bias ? `${out}.scaled` : out, N, n);
          nodes.push(op.scale(s, y, lin.scale));
          y = s;
        }
        if (lin.bias) {
          const b = this.act(out, N, n);
          nodes.push(op.add(b, y, lin.bias));
          y = b;
        }
        return y;
      });
    };
    const linear = (out: string, lin: Linear, x: Tensor, N: number): Tensor => linears(x, [[out, lin, N]])[0];
    // BitNet's attention sub-norm (before the output projection); x itself when the model has none.
    const subNorm = (out: string, x: Tensor, w: Tensor | undefined, N: number): Tensor => {
      if (!w) return x;
      const s = this.act(out, N, n);
      nodes.push(op.rmsNorm(s, x, w, eps));
      return s;
    };

    // Residual stream ping-pongs between two buffers: layer input xA -> after attention xB -> xA.
    // Each residual add and the norm after it are one add_rms_norm node, and the FFN activation
    // and BitNet's sub-norm one gated_rms_norm node (one pass per row; the same bits).
    const xA = this.act("xA", E, n);
    const xB = this.act("xB", E, n);
    nodes.push(op.getRows(xA, this.w.tokenEmbedding, ids));
    const layers = this.w.layers;
    // Every layer rotates the same positions: their cos/sin table is built once per pass.
    const angles = c.ropeDims >= 2 ? this.act("rope.angles", c.ropeDims, n) : undefined;
    if (angles) {
      const o = { nRot: c.ropeDims, theta: c.ropeTheta, freqScale: c.ropeFreqScale };
      nodes.push(withRopeFreqs(op.ropeAngles(angles, pos, o), this.w.ropeFreqs));
    }
    const rotate = (out: Tensor, x: Tensor, nHead: number) =>
      angles
        ? op.ropeByAngles(out, x, angles, rope(nHead))
        : withRopeFreqs(op.rope(out, x, pos, rope(nHead)), this.w.ropeFreqs);
    let h = this.act("h", E, n);
    if (layers.length > 0) nodes.push(op.rmsNorm(h, xA, layers[0].attnNorm, eps));

    for (const [l, lw] of layers.entries()) {
      const [q, k, v] = linears(h, [["q", lw.q, qDim], ["k", lw.k, kvDim], ["v", lw.v, kvDim]]);
      const qr = this.act("qr", qDim, n);
      const kr = this.act("kr", kvDim, n);
      nodes.push(rotate(qr, q, c.headCount));
      nodes.push(rotate(kr, k, c.headCountKv));
      nodes.push(op.kvStore(this.kv.k[l], kr, seq, pos));
      nodes.push(op.kvStore(this.kv.v[l], v, seq, pos));
      const att = this.act("att", qDim, n);
      nodes.push(
        op.attention(att, qr, this.kv.k[l], this.kv.v[l], seq, pos, {
          nHead: c.headCount, nHeadKv: c.headCountKv, headDim: c.headDim, scale: 1 / Math.sqrt(c.headDim),
        }),
      );
      const o = linear("o", lw.o, subNorm("att.norm", att, lw.attnSubNorm, qDim), E);
      const h2 = this.act("h", E, n);
      nodes.push(op.addRmsNorm(xB, h2, xA, o, lw.ffnNorm, eps));

      const [g, u] = linears(h2, [["gate", lw.gate, F], ["up", lw.up, F]]);
      let a: Tensor;
      if (lw.ffnSubNorm) {
        a = this.act("ffn.norm", F, n);
        nodes.push(op.gatedRmsNorm(a, g, u, lw.ffnSubNorm, c.activation === "relu2" ? "relu2" : "silu", eps));
      } else {
        a = this.act("ffn", F, n);
        nodes.push(c.activation === "relu2" ? op.relu2Mul(a, g, u) : op.siluMul(a, g, u));
      }
      const d = linear("down", lw.down, a, E);
      const next = layers[l + 1];
      if (next) {
        h = this.act("h", E, n);
        nodes.push(op.addRmsNorm(xA, h, xB, d, next.attnNorm, eps));
      } else {
        nodes.push(op.add(xA, xB, d));
      }
    }

    // Only the rows whose logits are wanted go through the final norm and the head (none for a
    // prefill chunk that does not end its prompt: it only fills the KV cache).
    if (m === 0) return nodes;
    let last = xA;
    if (m < n) {
      last = this.act("out.rows", E, m, this.maxOutputs);
      nodes.push(op.getRows(last, xA, this.prefix(this.io.outRows, m)));
    }
    const hn = this.act("out.norm", E, m, Math.max(this.maxOutputs, this.maxTokens));
    nodes.push(op.rmsNorm(hn, last, this.w.outputNorm, eps));
    nodes.push(op.matmul(this.view(this.io.logits.rows(0, m)), this.w.output, hn));
    return nodes;
  }

  private clearPlans(): void {
    for (const p of this.plans.values()) p.dispose();
    this.plans.clear();
  }

  dispose(): void {
    this.clearPlans();
    for (const t of this.bufs.values()) t.dispose();
    this.bufs.clear();
    for (const t of Object.values(this.io)) t.dispose();
  }
}
