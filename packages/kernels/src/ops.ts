// Typed helpers over runOp for every op in API.md; each is also available as a Plan node.
import { KernelError } from "./errors.js";
import { native, type TensorHandle as Tensor } from "./native.js";

export interface RopeOptions {
  nHead: number;
  headDim: number;
  nRot: number;
  mode: "normal" | "neox";
  theta: number;
  freqScale: number;
}

export interface AttentionOptions {
  nHead: number;
  nHeadKv: number;
  headDim: number;
  scale: number;
}

export interface KvShiftOptions {
  slot: number;
  keep: number;
  discard: number;
  used: number;
  nHeadKv: number;
  headDim: number;
  nRot: number;
  mode: "normal" | "neox";
  theta: number;
  freqScale: number;
}

const ropeMode = (mode: "normal" | "neox"): number => (mode === "neox" ? 1 : 0);

/** The Plan node for each helper, so the same call can be queued instead of run now. */
export const nodes = {
  matmul: (y: Tensor, w: Tensor, x: Tensor) => ({ op: "matmul", t: [y, w, x] }),
  /** y[j] = x·w[j]ᵀ for every j, as separate matmuls would (bit-identical), with one activation conversion and one compute phase. */
  matmulMulti: (ys: Tensor[], ws: Tensor[], x: Tensor) => {
    if (ys.length !== ws.length) throw new KernelError("INVALID_ARGUMENT", `matmulMulti: ${ys.length} outputs for ${ws.length} weights`);
    return { op: "matmul_multi", t: [...ys.flatMap((y, j) => [y, ws[j]]), x] };
  },
  getRows: (out: Tensor, table: Tensor, ids: Tensor) => ({ op: "get_rows", t: [out, table, ids] }),
  rmsNorm: (out: Tensor, x: Tensor, weight: Tensor | null, eps: number) => ({
    op: "rms_norm",
    t: weight ? [out, x, weight] : [out, x],
    f: [eps],
  }),
  /** sum = a + b, out = rmsNorm(sum) · weight, in one pass per row (bit-identical to add then rmsNorm). */
  addRmsNorm: (sum: Tensor, out: Tensor, a: Tensor, b: Tensor, weight: Tensor | null, eps: number) => ({
    op: "add_rms_norm",
    t: weight ? [sum, out, a, b, weight] : [sum, out, a, b],
    f: [eps],
  }),
  /** out = rmsNorm(act(gate) · up) · weight, in one pass per row (bit-identical to siluMul/relu2Mul then rmsNorm). */
  gatedRmsNorm: (out: Tensor, gate: Tensor, up: Tensor, weight: Tensor | null, act: "silu" | "relu2", eps: number) => ({
    op: "gated_rms_norm",
    t: weight ? [out, gate, up, weight] : [out, gate, up],
    i: [act === "relu2" ? 1 : 0],
    f: [eps],
  }),
  rope: (out: Tensor, x: Tensor, pos: Tensor, o: RopeOptions) => ({
    op: "rope",
    t: [out, x, pos],
    i: [o.nHead, o.headDim, o.nRot, ropeMode(o.mode)],
    f: [o.theta, o.freqScale],
  }),
  /** Each token's cos/sin table (row t: nRot floats, cos then sin of its pair angles), built once and shared by ropeByAngles. */
  ropeAngles: (table: Tensor, pos: Tensor, o: { nRot: number; theta: number; freqScale: number }) => ({
    op: "rope_angles",
    t: [table, pos],
    i: [o.nRot],
    f: [o.theta, o.freqScale],
  }),
  /** rope with a ropeAngles table in place of positions (the same bits). */
  ropeByAngles: (out: Tensor, x: Tensor, table: Tensor, o: Pick<RopeOptions, "nHead" | "headDim" | "nRot" | "mode">) => ({
    op: "rope_by_angles",
    t: [out, x, table],
    i: [o.nHead, o.headDim, o.nRot, ropeMode(o.mode)],
  }),
  add: (out: Tensor, a: Tensor, b: Tensor) => ({ op: "add", t: [out, a, b] }),
  mul: (out: Tensor, a: Tensor, b: Tensor) => ({ op: "mul", t: [out, a, b] }),
  scale: (out: Tensor, x: Tensor, s: number) => ({ op: "scale", t: [out, x], f: [s] }),
  silu: (out: Tensor, x: Tensor) => ({ op: "silu", t: [out, x] }),
  gelu: (out: Tensor, x: Tensor) => ({ op: "gelu", t: [out, x] }),
  relu2: (out: Tensor, x: Tensor) => ({ op: "relu2", t: [out, x] }),
  siluMul: (out: Tensor, gate: Tensor, up: Tensor) => ({ op: "silu_mul", t: [out, gate, up] }),
  relu2Mul: (out: Tensor, gate: Tensor, up: Tensor) => ({ op: "relu2_mul", t: [out, gate, up] }),
  softmax: (out: Tensor, x: Tensor) => ({ op: "softmax", t: [out, x] }),
  kvStore: (cache: Tensor, src: Tensor, seq: Tensor, pos: Tensor) => ({ op: "kv_store", t: [cache, src, seq, pos] }),
  attention: (out: Tensor, q: Tensor, kCache: Tensor, vCache: Tensor, seq: Tensor, pos: Tensor, o: AttentionOptions) => ({
    op: "attention",
    t: [out, q, kCache, vCache, seq, pos],
    i: [o.nHead, o.nHeadKv, o.headDim],
    f: [o.scale],
  }),
  kvShift: (kCache: Tensor, vCache: Tensor, o: KvShiftOptions) => ({
    op: "kv_shift",
    t: [kCache, vCache],
    i: [o.slot, o.keep, o.discard, o.used, o.nHeadKv, o.headDim, o.nRot, ropeMode(o.mode)],
    f: [o.theta, o.freqScale],
  }),
};

type Nodes = typeof nodes;
type Immediate = { [K in keyof Nodes]: (...args: Parameters<Nodes[K]>) => void };

function immediate<K extends keyof Nodes>(name: K): Immediate[K] {
  const build = nodes[name] as (...args: unknown[]) => { op: string; t: Tensor[]; i?: number[]; f?: number[] };
  return ((...args: unknown[]) => {
    const n = build(...args);
    native.runOp(n.op, n.t, n.i, n.f);
  }) as Immediate[K];
}

/** Immediate calls (one native call each); use a Plan to run many ops in one call. */
export const ops = Object.fromEntries(
  (Object.keys(nodes) as (keyof Nodes)[]).map((k) => [k, immediate(k)]),
) as Immediate;
