// Causal attention over the KV cache (f32, f16 and q8_0), GQA/MQA/MHA, several slots, positions across
// online-softmax chunk boundaries, large score ranges, out-of-range ids, every ISA path and 1/2
// threads, and operand errors. The reference decodes exactly the bytes kv_store wrote.
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, ops, runOp, type AttentionOptions } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { randomFloats } from "./helpers/rng";
import { dequantizeQ8_0, f16ToF32 } from "./quant-ref";

interface Case {
  type: number;
  o: AttentionOptions;
  ctx: number;
  slots: number;
  seq: number[];
  pos: number[];
  qScale?: number;
}

/** Fills every position of every slot with random K/V rows through kv_store. */
function makeCache(type: number, kvDim: number, ctx: number, slots: number, seed: number) {
  const cache = Tensor.empty(type, [kvDim, ctx, slots]);
  const n = ctx * slots;
  const src = Tensor.fromFloat32([kvDim, n], randomFloats(kvDim * n, seed));
  const seq = Int32Array.from({ length: n }, (_, k) => Math.floor(k / ctx));
  const pos = Int32Array.from({ length: n }, (_, k) => k % ctx);
  ops.kvStore(cache, src, Tensor.from(GGMLType.I32, [n], seq), Tensor.from(GGMLType.I32, [n], pos));
  return cache;
}

function decodeCache(cache: Tensor, type: number): Float32Array {
  const b = cache.bytes();
  if (type === GGMLType.Q8_0) return dequantizeQ8_0(b);
  if (type === GGMLType.F32) return new Float32Array(b.slice().buffer);
  const h = new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
  return Float32Array.from(h, f16ToF32);
}

function attentionRef(q: Float32Array, K: Float32Array, V: Float32Array, c: Case): Float64Array {
  const { nHead, nHeadKv, headDim: hd, scale } = c.o;
  const kvDim = nHeadKv * hd, W = nHead * hd;
  const out = new Float64Array(W * c.seq.length);
  c.seq.forEach((s, t) => {
    const p = c.pos[t];
    if (s < 0 || s >= c.slots || p < 0 || p >= c.ctx) return; // zeros
    for (let h = 0; h < nHead; h++) {
      const kvh = Math.floor(h / (nHead / nHeadKv));
      const scores: number[] = [];
      for (let j = 0; j <= p; j++) {
        let d = 0;
        for (let i = 0; i < hd; i++) d += q[t * W + h * hd + i] * K[(s * c.ctx + j) * kvDim + kvh * hd + i];
        scores.push(d * scale);
      }
      const m = Math.max(...scores);
      const w = scores.map((v) => Math.exp(v - m));
      const sum = w.reduce((a, b) => a + b, 0);
      for (let i = 0; i < hd; i++) {
        let acc = 0;
        for (let j = 0; j <= p; j++) acc += w[j] * V[(s * c.ctx + j) * kvDim + kvh * hd + i];
        out[t * W + h * hd + i] = acc / sum;
      }
    }
  });
  return out;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);

const typeName = (type: number) => (type === GGMLType.F32 ? "f32" : type === GGMLType.F16 ? "f16" : "q8_0");

const CASES: Case[] = [
  // GQA, head size not a multiple of any SIMD width, 2 slots
  { type: GGMLType.F16, o: { nHead: 4, nHeadKv: 2, headDim: 8, scale: 0.35 }, ctx: 20, slots: 2, seq: [0, 1, 0], pos: [5, 0, 19] },
  { type: GGMLType.F16, o: { nHead: 3, nHeadKv: 3, headDim: 3, scale: 0.5 }, ctx: 4, slots: 1, seq: [0], pos: [3] },
  // MHA q8_0 across three 64-position chunks
  { type: GGMLType.Q8_0, o: { nHead: 4, nHeadKv: 4, headDim: 64, scale: 0.125 }, ctx: 150, slots: 1, seq: [0, 0], pos: [149, 63] },
  // MQA, head size 128, scores spread over ~+-60 (online rescaling must stay exact)
  { type: GGMLType.F16, o: { nHead: 4, nHeadKv: 1, headDim: 128, scale: 1 }, ctx: 70, slots: 1, seq: [0], pos: [69], qScale: 6 },
  { type: GGMLType.Q8_0, o: { nHead: 8, nHeadKv: 2, headDim: 32, scale: 1 }, ctx: 130, slots: 3, seq: [2, 1, 0, 2], pos: [129, 64, 65, 1], qScale: 4 },
  // largest head size: a 12-head group is split into calls of 8 + 4 query heads
  { type: GGMLType.F16, o: { nHead: 12, nHeadKv: 1, headDim: 1024, scale: 0.03 }, ctx: 5, slots: 1, seq: [0, 0], pos: [4, 2] },
  { type: GGMLType.Q8_0, o: { nHead: 6, nHeadKv: 2, headDim: 1024, scale: 0.03 }, ctx: 3, slots: 1, seq: [0], pos: [2] },
  // f32 caches (exact K/V): GQA with an odd head size, and MQA across chunks with a wide score range
  { type: GGMLType.F32, o: { nHead: 6, nHeadKv: 2, headDim: 12, scale: 0.3 }, ctx: 9, slots: 2, seq: [1, 0, 1], pos: [8, 0, 3] },
  { type: GGMLType.F32, o: { nHead: 4, nHeadKv: 1, headDim: 128, scale: 1 }, ctx: 140, slots: 1, seq: [0, 0], pos: [139, 64], qScale: 6 },
  { type: GGMLType.F32, o: { nHead: 4, nHeadKv: 2, headDim: 1024, scale: 0.03 }, ctx: 3, slots: 1, seq: [0], pos: [2] },
  // prefill: consecutive positions of one slot, so neighbouring tokens share a unit's K/V rows
  // (GQA 4 per KV head -> blocks of 8 tokens, 16 on AVX-512; MHA -> 32 or 64; 3 per KV head with an odd head size),
  // across chunk boundaries, with a partial last block
  { type: GGMLType.F16, o: { nHead: 8, nHeadKv: 2, headDim: 128, scale: 0.09 }, ctx: 140, slots: 1, seq: Array(11).fill(0), pos: range(58, 11), qScale: 3 },
  { type: GGMLType.Q8_0, o: { nHead: 2, nHeadKv: 2, headDim: 64, scale: 0.125 }, ctx: 150, slots: 2, seq: Array(37).fill(1), pos: range(100, 37) },
  { type: GGMLType.F32, o: { nHead: 6, nHeadKv: 2, headDim: 12, scale: 0.3 }, ctx: 80, slots: 1, seq: Array(9).fill(0), pos: range(60, 9) },
  // a block that is not one run of positions (two slots, a gap) falls back to one token per call
  { type: GGMLType.F16, o: { nHead: 4, nHeadKv: 1, headDim: 32, scale: 0.2 }, ctx: 70, slots: 2, seq: [0, 0, 1, 1, 0, 0, 0, 0], pos: [3, 4, 5, 6, 40, 41, 43, 44] },
  // decode over several 512-position softmax segments (split across threads, then merged): 5 KV
  // heads, a batch of tokens in two slots attending 3, 2 and 1 segments; q8_0 with 2 KV heads
  { type: GGMLType.F16, o: { nHead: 10, nHeadKv: 5, headDim: 32, scale: 0.3 }, ctx: 1300, slots: 2, seq: [0, 1, 0], pos: [1299, 600, 3], qScale: 3 },
  { type: GGMLType.Q8_0, o: { nHead: 4, nHeadKv: 2, headDim: 64, scale: 0.2 }, ctx: 1100, slots: 1, seq: [0], pos: [1099], qScale: 3 },
  // out-of-range slot / position: zeros for those tokens, then an error naming one of them
  { type: GGMLType.F16, o: { nHead: 2, nHeadKv: 1, headDim: 16, scale: 0.25 }, ctx: 8, slots: 2, seq: [2, 0, -1, 1], pos: [0, 8, 3, 7] },
];

// The reference uses the stored (rounded) K/V, so differences are float32 dot products over hd
// terms, the ~2-ulp polynomial exp and the weighted sum over <= 150 positions: ~1e-6 of the
// O(1) outputs. 1e-5 absolute leaves margin; a wrong head mapping, mask or softmax is O(0.1).
const TOL = 1e-5;

describe("attention", () => {
  for (const [k, c] of CASES.entries()) {
    it(`${typeName(c.type)} KV, nHead=${c.o.nHead} nHeadKv=${c.o.nHeadKv} hd=${c.o.headDim}, pos ${c.pos.join(",")}`, () => {
      const kvDim = c.o.nHeadKv * c.o.headDim, W = c.o.nHead * c.o.headDim, n = c.seq.length;
      const kc = makeCache(c.type, kvDim, c.ctx, c.slots, 10 + k), vc = makeCache(c.type, kvDim, c.ctx, c.slots, 20 + k);
      const q = randomFloats(W * n, 30 + k, c.qScale ?? 1);
      const want = attentionRef(q, decodeCache(kc, c.type), decodeCache(vc, c.type), c);
      const Q = Tensor.fromFloat32([W, n], q);
      const seq = Tensor.from(GGMLType.I32, [n], new Int32Array(c.seq)), pos = Tensor.from(GGMLType.I32, [n], new Int32Array(c.pos));
      let runs = 0;
      forEachIsaAndThreads(() => {
        const out = Tensor.empty(GGMLType.F32, [W, n]);
        out.f32().fill(NaN); // every output element must be written
        const bad = c.seq.some((s, t) => s < 0 || s >= c.slots || c.pos[t] < 0 || c.pos[t] >= c.ctx);
        if (bad)
          expectKernelError(() => ops.attention(out, Q, kc, vc, seq, pos, c.o), "INVALID_ARGUMENT", /token [012] has seq=.* outside the cache \(slots 2, ctx 8\); its output was zeroed/);
        else ops.attention(out, Q, kc, vc, seq, pos, c.o);
        const got = out.f32();
        let err = 0;
        for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
        expect(err).toBeLessThan(TOL);
        runs++;
      });
      expect(runs).toBeGreaterThan(1);
    });
  }

  // One KV head: the group is split across threads. 5 KV heads over 1300 positions: at 2 threads
  // the 3 segments of each head are spread and merged, at 1 one call folds them.
  for (const [o, ctx] of [
    [{ nHead: 6, nHeadKv: 1, headDim: 64, scale: 0.125 }, 70],
    [{ nHead: 20, nHeadKv: 5, headDim: 64, scale: 0.125 }, 1300],
  ] as [AttentionOptions, number][]) {
    it(`gives bit-identical outputs for 1 and 2 threads (nHeadKv=${o.nHeadKv}, ${ctx} positions)`, () => {
      const kvDim = o.nHeadKv * o.headDim, W = o.nHead * o.headDim;
      const kc = makeCache(GGMLType.F16, kvDim, ctx, 1, 5), vc = makeCache(GGMLType.F16, kvDim, ctx, 1, 6);
      const Q = Tensor.fromFloat32([W, 1], randomFloats(W, 7, 3));
      const seq = Tensor.from(GGMLType.I32, [1], new Int32Array([0])), pos = Tensor.from(GGMLType.I32, [1], new Int32Array([ctx - 1]));
      const results = new Map<string, number[]>();
      forEachIsaAndThreads(({ isa, threads }) => {
        const out = Tensor.empty(GGMLType.F32, [W, 1]);
        ops.attention(out, Q, kc, vc, seq, pos, o);
        results.set(`${isa}/${threads}`, Array.from(out.f32()));
      });
      expect(results.size).toBeGreaterThan(1);
      for (const [key, v] of results) expect(v, key).toEqual(results.get(key.replace(/\/\d+$/, "/1")));
    });
  }

  it("a split decode run zeroes and names an out-of-range token, and still merges the others", () => {
    const o: AttentionOptions = { nHead: 4, nHeadKv: 2, headDim: 32, scale: 0.3 };
    const c: Case = { type: GGMLType.F16, o, ctx: 1100, slots: 1, seq: [0, 0], pos: [1099, 5000] };
    const kc = makeCache(c.type, 64, c.ctx, 1, 3), vc = makeCache(c.type, 64, c.ctx, 1, 4);
    const q = randomFloats(256, 5, 3);
    const want = attentionRef(q.slice(0, 128), decodeCache(kc, c.type), decodeCache(vc, c.type), { ...c, seq: [0], pos: [1099] });
    const ids = (v: number[]) => Tensor.from(GGMLType.I32, [v.length], new Int32Array(v));
    forEachIsaAndThreads(() => {
      const out = Tensor.empty(GGMLType.F32, [128, 2]);
      out.f32().fill(NaN);
      expectKernelError(() => ops.attention(out, Tensor.fromFloat32([128, 2], q), kc, vc, ids(c.seq), ids(c.pos), o), "INVALID_ARGUMENT", /token 1 has seq=0 pos=5000, outside the cache .*its output was zeroed/);
      const got = out.f32();
      for (let i = 0; i < 128; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(TOL);
      expect(Array.from(got.slice(128))).toEqual(Array(128).fill(0));
    });
  });

  // 21 tokens: each call transposes its own K chunks (AVX-512); 40 tokens in one slot: the op
  // transposes the prefix first; 40 tokens over two slots: back to per-call transposes.
  it("a prefill block gives each token the bits it gets alone, on every ISA and thread count, also in place", () => {
    for (const [o, type, n, slots, first = 50, ctx = 100] of [
      [{ nHead: 8, nHeadKv: 2, headDim: 128, scale: 0.09 }, GGMLType.F16, 21, 1],
      [{ nHead: 3, nHeadKv: 3, headDim: 64, scale: 0.2 }, GGMLType.Q8_0, 21, 1],
      [{ nHead: 8, nHeadKv: 2, headDim: 128, scale: 0.09 }, GGMLType.F16, 40, 1],
      [{ nHead: 3, nHeadKv: 3, headDim: 64, scale: 0.2 }, GGMLType.Q8_0, 40, 1],
      [{ nHead: 4, nHeadKv: 1, headDim: 40, scale: 0.3 }, GGMLType.F32, 40, 1], // hd not a multiple of 16
      [{ nHead: 8, nHeadKv: 2, headDim: 128, scale: 0.09 }, GGMLType.F16, 40, 2],
      // tokens on both sides of the first 512-position segment boundary (alone: a split decode run)
      [{ nHead: 8, nHeadKv: 2, headDim: 128, scale: 0.09 }, GGMLType.F16, 40, 1, 490, 600],
      [{ nHead: 6, nHeadKv: 3, headDim: 40, scale: 0.2 }, GGMLType.F32, 9, 1, 508, 530],
    ] as [AttentionOptions, number, number, number, number?, number?][]) {
      const kvDim = o.nHeadKv * o.headDim, W = o.nHead * o.headDim;
      const kc = makeCache(type, kvDim, ctx, slots, 11), vc = makeCache(type, kvDim, ctx, slots, 12);
      const q = randomFloats(W * n, 13, 3);
      const ids = (v: number[]) => Tensor.from(GGMLType.I32, [v.length], new Int32Array(v));
      // with two slots, the second half of the tokens continues slot 1 from the same position
      const half = Math.ceil(n / slots);
      const seq = range(0, n).map((t) => Math.floor(t / half)), pos = range(0, n).map((t) => first + (t % half));
      forEachIsaAndThreads(({ isa, threads }) => {
        const all = Tensor.empty(GGMLType.F32, [W, n]);
        ops.attention(all, Tensor.fromFloat32([W, n], q), kc, vc, ids(seq), ids(pos), o);
        const inPlace = Tensor.fromFloat32([W, n], q);
        ops.attention(inPlace, inPlace, kc, vc, ids(seq), ids(pos), o);
        expect(Array.from(inPlace.f32()), `${isa}/${threads} in place`).toEqual(Array.from(all.f32()));
        for (let t = 0; t < n; t++) {
          const one = Tensor.empty(GGMLType.F32, [W, 1]);
          ops.attention(one, Tensor.fromFloat32([W, 1], q.slice(t * W, (t + 1) * W)), kc, vc, ids([seq[t]]), ids([pos[t]]), o);
          expect(Array.from(one.f32()), `${isa}/${threads} token ${t}`).toEqual(Array.from(all.f32().slice(t * W, (t + 1) * W)));
        }
      });
    }
  });

  it("token t sees only positions <= pos[t]: changing a later cache row does not change it", () => {
    const o: AttentionOptions = { nHead: 2, nHeadKv: 1, headDim: 16, scale: 0.25 };
    const kc = makeCache(GGMLType.F16, 16, 10, 1, 1), vc = makeCache(GGMLType.F16, 16, 10, 1, 2);
    const Q = Tensor.fromFloat32([32, 1], randomFloats(32, 3));
    const seq = Tensor.from(GGMLType.I32, [1], new Int32Array([0])), pos = Tensor.from(GGMLType.I32, [1], new Int32Array([4]));
    const a = Tensor.empty(GGMLType.F32, [32, 1]), b = Tensor.empty(GGMLType.F32, [32, 1]);
    ops.attention(a, Q, kc, vc, seq, pos, o);
    ops.kvStore(vc, Tensor.fromFloat32([16, 1], randomFloats(16, 9, 100)), seq, Tensor.from(GGMLType.I32, [1], new Int32Array([5])));
    ops.attention(b, Q, kc, vc, seq, pos, o);
    expect(Array.from(b.f32())).toEqual(Array.from(a.f32()));
  });

  it("rejects bad parameters and operands, naming them", () => {
    const kc = Tensor.empty(GGMLType.F16, [32, 8, 1]), vc = Tensor.empty(GGMLType.F16, [32, 8, 1]);
    const q = Tensor.empty(GGMLType.F32, [64, 2]), out = Tensor.empty(GGMLType.F32, [64, 2]);
    const ids = Tensor.from(GGMLType.I32, [2], new Int32Array(2));
    const o: AttentionOptions = { nHead: 4, nHeadKv: 2, headDim: 16, scale: 1 };
    ops.attention(out, q, kc, vc, ids, ids, o); // valid
    expectKernelError(() => ops.attention(out, q, kc, vc, ids, ids, { ...o, nHeadKv: 3 }), "INVALID_ARGUMENT", /multiple of nHeadKv/);
    expectKernelError(() => ops.attention(out, q, kc, vc, ids, ids, { ...o, scale: NaN }), "INVALID_ARGUMENT", /scale/);
    expectKernelError(() => ops.attention(out, q, kc, vc, ids, ids, { ...o, nHead: 2, headDim: 32 }), "SHAPE_MISMATCH", /'kCache'/);
    expectKernelError(() => ops.attention(Tensor.empty(GGMLType.F32, [64, 1]), q, kc, vc, ids, ids, o), "SHAPE_MISMATCH", /'out'/);
    expectKernelError(() => ops.attention(out, q, kc, Tensor.empty(GGMLType.F16, [32, 9, 1]), ids, ids, o), "SHAPE_MISMATCH", /same shape/);
    expectKernelError(() => ops.attention(out, q, kc, Tensor.empty(GGMLType.BF16, [32, 8, 1]), ids, ids, o), "INVALID_ARGUMENT", /'vCache'.*f32, f16 or q8_0/);
    expectKernelError(() => ops.attention(out, q, kc, Tensor.empty(GGMLType.F32, [32, 8, 1]), ids, ids, o), "INVALID_ARGUMENT", /same type/);
    const q8 = Tensor.empty(GGMLType.Q8_0, [32, 8, 1]);
    expectKernelError(() => ops.attention(out, q, q8, q8, ids, ids, o), "INVALID_ARGUMENT", /multiple of 32/);
    expectKernelError(() => ops.attention(out, q, kc, vc, Tensor.from(GGMLType.I32, [1], new Int32Array(1)), ids, o), "SHAPE_MISMATCH", /'seq'/);
    expectKernelError(() => runOp("attention", [out, q, kc, vc, ids, ids], [4, 2], [1]), "INVALID_ARGUMENT", /nHead, nHeadKv, headDim/);
    ops.attention(q, q, kc, vc, ids, ids, o); // out replacing q in place is allowed
    const qbuf = Tensor.empty(GGMLType.F32, [64, 3]);
    expectKernelError(() => ops.attention(qbuf.rows(1, 2), qbuf.rows(0, 2), kc, vc, ids, ids, o), "INVALID_ARGUMENT", /'out' \(t\[0\]\) overlaps 'q'/);
  });
});
