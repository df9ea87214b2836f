// KV-cache ops: kv_store (f32, f16 and q8_0 encodings byte-exact against the TS reference encoders,
// slot/position addressing, out-of-range ids skipped without touching memory and reported) and kv_shift
// (context shift: rows move down, moved keys re-rotated by -discard, V bytes moved verbatim,
// everything else untouched; optional per-pair frequency factors), every ISA path and 1/2
// threads, and errors.
import { describe, expect, it } from "vitest";
import { GGMLType, Plan, Tensor, nodes, ops, runOp, type KvShiftOptions, type RopeOptions } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { randomFloats } from "./helpers/rng";
import { dequantizeQ8_0, f16ToF32, f32ToF16, quantizeQ8_0 } from "./quant-ref";
import { llama3FreqFactors } from "./rope-ref";

const ids = (v: number[]) => Tensor.from(GGMLType.I32, [v.length], new Int32Array(v));

function encodeRow(type: number, x: Float32Array): Uint8Array {
  if (type === GGMLType.Q8_0) return quantizeQ8_0(x);
  if (type === GGMLType.F32) return new Uint8Array(Float32Array.from(x).buffer);
  const u = new Uint16Array(x.length);
  x.forEach((v, k) => (u[k] = f32ToF16(v)));
  return new Uint8Array(u.buffer);
}
function decodeRow(type: number, b: Uint8Array): Float32Array {
  if (type === GGMLType.Q8_0) return dequantizeQ8_0(b);
  if (type === GGMLType.F32) return new Float32Array(b.slice().buffer);
  return Float32Array.from(new Uint16Array(b.slice().buffer), f16ToF32);
}
const rowBytes = (type: number, kvDim: number) => (type === GGMLType.Q8_0 ? (kvDim / 32) * 34 : type === GGMLType.F32 ? kvDim * 4 : kvDim * 2);
const KV_TYPES = [GGMLType.F32, GGMLType.F16, GGMLType.Q8_0];
const typeName = (type: number) => (type === GGMLType.F32 ? "f32" : type === GGMLType.F16 ? "f16" : "q8_0");

describe("kv_store", () => {
  for (const type of KV_TYPES) {
    it(`${typeName(type)}: writes cache[seq[t]][pos[t]] = encode(src[t]) and nothing else`, () => {
      const kvDim = 64, ctx = 6, slots = 3, n = 7;
      const src = randomFloats(kvDim * n, 5, 3);
      const seq = [0, 2, 1, 2, 3, 0, -1], pos = [0, 5, 3, 0, 1, 6, 2]; // last three are out of range
      const rb = rowBytes(type, kvDim);
      forEachIsaAndThreads(() => {
        const cache = Tensor.empty(type, [kvDim, ctx, slots]);
        cache.bytes().fill(0xab); // sentinel: untouched rows must keep it
        expectKernelError(() => ops.kvStore(cache, Tensor.fromFloat32([kvDim, n], src), ids(seq), ids(pos)), "INVALID_ARGUMENT",
          /token [456] has seq=.* outside the cache \(slots 3, ctx 6\); it was not stored/);
        const bytes = cache.bytes();
        const written = new Set<number>();
        seq.forEach((s, t) => {
          if (s < 0 || s >= slots || pos[t] < 0 || pos[t] >= ctx) return;
          const row = s * ctx + pos[t];
          written.add(row);
          const want = encodeRow(type, src.subarray(t * kvDim, (t + 1) * kvDim));
          expect(Array.from(bytes.subarray(row * rb, (row + 1) * rb)), `token ${t}`).toEqual(Array.from(want));
        });
        expect(written.size).toBe(4);
        for (let row = 0; row < ctx * slots; row++)
          if (!written.has(row)) expect(bytes.subarray(row * rb, (row + 1) * rb).every((v) => v === 0xab), `row ${row}`).toBe(true);
      });
    });
  }

  it("f16: rounding edge cases encode bit-exactly on every path (ties to even, subnormals, overflow, infinities)", () => {
    const ulp1 = 2 ** -10; // f16 spacing at [1, 2)
    const edge = [
      0, -0, 1, -1, 1 + ulp1 / 2, 1 + (3 * ulp1) / 2, 1 + ulp1 / 2 + 2 ** -20, 65504, 65519.99, 65520, -70000, 1e30,
      Infinity, -Infinity, 2 ** -14, 2 ** -14 - 2 ** -25, 2 ** -24, 2 ** -25, 2 ** -25 + 2 ** -35, 3 * 2 ** -25, 1e-9, -5.96e-8,
      0.1, -3.14159, 1234.5678, 2 ** -15 + 2 ** -26,
    ];
    const kvDim = 45; // not a multiple of 8 or 16: the SIMD tails run too (padded with random values)
    const x = new Float32Array(kvDim);
    x.set(randomFloats(kvDim, 77, 100));
    x.set(edge);
    const want = encodeRow(GGMLType.F16, x);
    forEachIsaAndThreads(() => {
      const cache = Tensor.empty(GGMLType.F16, [kvDim, 1, 1]);
      ops.kvStore(cache, Tensor.fromFloat32([kvDim, 1], x), ids([0]), ids([0]));
      expect(Array.from(cache.bytes())).toEqual(Array.from(want));
    });
  });

  it("in a Plan, ids rewritten out of range between runs fail that run; fixed ids run again", () => {
    const kvDim = 32, ctx = 4;
    const cache = Tensor.empty(GGMLType.F16, [kvDim, ctx, 1]);
    const src = Tensor.fromFloat32([kvDim, 1], randomFloats(kvDim, 3));
    const seq = ids([0]), pos = ids([1]);
    const plan = new Plan([nodes.kvStore(cache, src, seq, pos)]);
    plan.run();
    pos.i32()[0] = ctx; // one past the end
    expectKernelError(() => plan.run(), "INVALID_ARGUMENT", /token 0 has seq=0 pos=4, outside the cache \(slots 1, ctx 4\)/);
    pos.i32()[0] = 3;
    plan.run();
    const rb = kvDim * 2;
    expect(Array.from(cache.bytes().subarray(3 * rb, 4 * rb))).toEqual(Array.from(cache.bytes().subarray(1 * rb, 2 * rb)));
    plan.dispose();
  });

  it("rejects bad caches and ids", () => {
    const src = Tensor.empty(GGMLType.F32, [64, 2]);
    const c = Tensor.empty(GGMLType.F16, [64, 4, 1]);
    expectKernelError(() => ops.kvStore(Tensor.empty(GGMLType.BF16, [64, 4, 1]), src, ids([0, 0]), ids([0, 1])), "INVALID_ARGUMENT", /'cache'.*f32, f16 or q8_0/);
    expectKernelError(() => ops.kvStore(c, Tensor.empty(GGMLType.F32, [32, 2]), ids([0, 0]), ids([0, 1])), "SHAPE_MISMATCH", /'src'/);
    expectKernelError(() => ops.kvStore(c, src, ids([0]), ids([0, 1])), "SHAPE_MISMATCH", /'seq'/);
    expectKernelError(() => ops.kvStore(c, src, ids([0, 0]), Tensor.empty(GGMLType.F32, [2])), "INVALID_ARGUMENT", /'pos'.*i32/);
  });
});

describe("kv_shift", () => {
  const rotate = (x: Float32Array, delta: number, o: Pick<RopeOptions, "headDim" | "nRot" | "mode" | "theta" | "freqScale">) => {
    const out = Float64Array.from(x);
    const half = o.nRot / 2;
    for (let h = 0; h < x.length / o.headDim; h++)
      for (let i = 0; i < half; i++) {
        const a = delta * o.freqScale * Math.pow(o.theta, (-2 * i) / o.nRot);
        const [i0, i1] = o.mode === "normal" ? [2 * i, 2 * i + 1] : [i, i + half];
        const b = h * o.headDim, x0 = x[b + i0], x1 = x[b + i1];
        out[b + i0] = x0 * Math.cos(a) - x1 * Math.sin(a);
        out[b + i1] = x0 * Math.sin(a) + x1 * Math.cos(a);
      }
    return out;
  };

  for (const type of KV_TYPES) {
    for (const mode of ["normal", "neox"] as const) {
      it(`${typeName(type)} ${mode}: drops [keep, keep+discard), moves the rest down, re-rotates keys`, () => {
        const nHeadKv = 2, headDim = 32, kvDim = 64, ctx = 12, slots = 2;
        const o: KvShiftOptions = { slot: 1, keep: 2, discard: 3, used: 10, nHeadKv, headDim, nRot: 16, mode, theta: 10000, freqScale: 0.5 };
        const rb = rowBytes(type, kvDim);
        forEachIsaAndThreads(() => {
          const kc = Tensor.empty(type, [kvDim, ctx, slots]), vc = Tensor.empty(type, [kvDim, ctx, slots]);
          const n = ctx * slots;
          const all = Array.from({ length: n }, (_, k) => k);
          ops.kvStore(kc, Tensor.fromFloat32([kvDim, n], randomFloats(kvDim * n, 1)), ids(all.map((k) => Math.floor(k / ctx))), ids(all.map((k) => k % ctx)));
          ops.kvStore(vc, Tensor.fromFloat32([kvDim, n], randomFloats(kvDim * n, 2)), ids(all.map((k) => Math.floor(k / ctx))), ids(all.map((k) => k % ctx)));
          const k0 = kc.bytes().slice(), v0 = vc.bytes().slice();
          ops.kvShift(kc, vc, o);
          const k1 = kc.bytes(), v1 = vc.bytes();
          const row = (b: Uint8Array, s: number, p: number) => b.subarray((s * ctx + p) * rb, (s * ctx + p + 1) * rb);
          for (let p = 0; p < ctx; p++) {
            // slot 0, rows before keep, and rows from used - discard on are untouched
            expect(Array.from(row(k1, 0, p))).toEqual(Array.from(row(k0, 0, p)));
            if (p < o.keep || p >= o.used - o.discard) {
              expect(Array.from(row(k1, 1, p))).toEqual(Array.from(row(k0, 1, p)));
              expect(Array.from(row(v1, 1, p))).toEqual(Array.from(row(v0, 1, p)));
              continue;
            }
            const from = p + o.discard;
            expect(Array.from(row(v1, 1, p)), `v row ${p}`).toEqual(Array.from(row(v0, 1, from)));
            // key: decode(old row) rotated by -discard, re-encoded. The angle is evaluated with the
            // platform's pow/cos, so compare decoded values within one encoding step instead of bits.
            const want = rotate(decodeRow(type, row(k0, 1, from)), -o.discard, o);
            const got = decodeRow(type, row(k1, 1, p));
            const amax = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
            // one code (q8_0) / 1 ulp near |x|<=2 (f16) / float cos-sin and one multiply-add (f32)
            const step = type === GGMLType.Q8_0 ? amax / 127 : type === GGMLType.F16 ? 2 ** -10 * 2 : 1e-6;
            for (let i = 0; i < kvDim; i++) expect(Math.abs(got[i] - want[i]), `k row ${p} elem ${i}`).toBeLessThanOrEqual(step);
          }
        });
      });
    }
  }

  it("keys roped at p and shifted by d equal keys roped at p - d", () => {
    const nHeadKv = 1, headDim = 64, ctx = 16;
    const r: RopeOptions = { nHead: nHeadKv, headDim, nRot: 64, mode: "neox", theta: 10000, freqScale: 1 };
    const raw = randomFloats(headDim * ctx, 8);
    const roped = Tensor.empty(GGMLType.F32, [headDim, ctx]);
    const positions = ids(Array.from({ length: ctx }, (_, p) => p));
    ops.rope(roped, Tensor.fromFloat32([headDim, ctx], raw), positions, r);
    const kc = Tensor.empty(GGMLType.F16, [headDim, ctx, 1]), vc = Tensor.empty(GGMLType.F16, [headDim, ctx, 1]);
    ops.kvStore(kc, roped, ids(new Array(ctx).fill(0)), positions);
    ops.kvShift(kc, vc, { slot: 0, keep: 1, discard: 4, used: 16, nHeadKv, headDim, nRot: 64, mode: "neox", theta: 10000, freqScale: 1 });
    // row 1 now holds raw row 5 roped at position 1
    const expectRoped = Tensor.empty(GGMLType.F32, [headDim, 1]);
    ops.rope(expectRoped, Tensor.fromFloat32([headDim, 1], raw.subarray(5 * headDim, 6 * headDim)), ids([1]), r);
    const got = decodeRow(GGMLType.F16, kc.bytes().subarray(headDim * 2, headDim * 4));
    // two f16 roundings (store, re-store) of O(1) values: a few 2^-11 relative
    for (let i = 0; i < headDim; i++) expect(Math.abs(got[i] - expectRoped.f32()[i])).toBeLessThan(4e-3);
  });

  // rope / kv_shift with the optional freqFactors operand (after their usual operands)
  const modeNum = (m: "normal" | "neox") => (m === "neox" ? 1 : 0);
  const ropeFF = (out: Tensor, x: Tensor, pos: Tensor, r: RopeOptions, ff: Tensor) =>
    runOp("rope", [out, x, pos, ff], [r.nHead, r.headDim, r.nRot, modeNum(r.mode)], [r.theta, r.freqScale]);
  const shiftFF = (kc: Tensor, vc: Tensor, o: KvShiftOptions, ff: Tensor) =>
    runOp("kv_shift", [kc, vc, ff], [o.slot, o.keep, o.discard, o.used, o.nHeadKv, o.headDim, o.nRot, modeNum(o.mode)], [o.theta, o.freqScale]);

  for (const mode of ["normal", "neox"] as const) {
    it(`with frequency factors (${mode}, f32 cache): keys roped at p and shifted by d equal keys roped at p - d`, () => {
      const nHeadKv = 2, headDim = 64, kvDim = 128, ctx = 40, theta = 10000;
      const r: RopeOptions = { nHead: nHeadKv, headDim, nRot: 64, mode, theta, freqScale: 1 };
      const o: KvShiftOptions = { slot: 0, keep: 1, discard: 19, used: 40, nHeadKv, headDim, nRot: 64, mode, theta, freqScale: 1 };
      // Llama 3.1's rule with a 64-position "original context", so that at these positions the
      // factors (1 .. 8) change the angles of many pairs
      const ffv = llama3FreqFactors(64, theta, 8, 1, 4, 64);
      expect(ffv.some((v) => v > 1 && v < 8)).toBe(true);
      const ff = Tensor.fromFloat32([32], ffv);
      const raw = randomFloats(kvDim * ctx, 11);
      const rows = Array.from({ length: ctx }, (_, p) => p);
      const roped = Tensor.empty(GGMLType.F32, [kvDim, ctx]);
      ropeFF(roped, Tensor.fromFloat32([kvDim, ctx], raw), ids(rows), r, ff);
      // what rows keep..used-discard must hold afterwards: raw row p + discard roped at p
      const want = Tensor.empty(GGMLType.F32, [kvDim, ctx]);
      const moved = raw.slice();
      moved.copyWithin(o.keep * kvDim, (o.keep + o.discard) * kvDim);
      ropeFF(want, Tensor.fromFloat32([kvDim, ctx], moved), ids(rows), r, ff);
      const shifted = (withFactors: boolean) => {
        const kc = Tensor.empty(GGMLType.F32, [kvDim, ctx, 1]), vc = Tensor.empty(GGMLType.F32, [kvDim, ctx, 1]);
        ops.kvStore(kc, roped, ids(new Array(ctx).fill(0)), ids(rows));
        if (withFactors) shiftFF(kc, vc, o, ff);
        else ops.kvShift(kc, vc, o);
        return new Float32Array(kc.bytes().slice().buffer);
      };
      const err = (got: Float32Array) => {
        let e = 0;
        for (let i = o.keep * kvDim; i < (o.used - o.discard) * kvDim; i++) e = Math.max(e, Math.abs(got[i] - want.f32()[i]));
        return e;
      };
      // f32 rows, float cos/sin: a few ulp of the O(1) values
      forEachIsaAndThreads(() => expect(err(shifted(true))).toBeLessThan(1e-5));
      expect(err(shifted(false))).toBeGreaterThan(0.05); // re-rotating without the factors is wrong
    });
  }

  it("rejects bad frequency factors", () => {
    const kc = Tensor.empty(GGMLType.F16, [64, 8, 1]), vc = Tensor.empty(GGMLType.F16, [64, 8, 1]);
    const o: KvShiftOptions = { slot: 0, keep: 1, discard: 2, used: 8, nHeadKv: 2, headDim: 32, nRot: 32, mode: "normal", theta: 10000, freqScale: 1 };
    shiftFF(kc, vc, o, Tensor.fromFloat32([16], new Float32Array(16).fill(2))); // valid
    expectKernelError(() => shiftFF(kc, vc, o, Tensor.fromFloat32([8], new Float32Array(8).fill(2))), "SHAPE_MISMATCH", /'freqFactors' \(t\[2\]\) must have shape \[16\]/);
    expectKernelError(() => shiftFF(kc, vc, o, Tensor.fromFloat32([16], new Float32Array(16))), "INVALID_ARGUMENT", /element 0 must be a finite number > 0/);
  });

  it("rejects out-of-range shift parameters", () => {
    const kc = Tensor.empty(GGMLType.F16, [64, 8, 2]), vc = Tensor.empty(GGMLType.F16, [64, 8, 2]);
    const o: KvShiftOptions = { slot: 0, keep: 1, discard: 2, used: 8, nHeadKv: 2, headDim: 32, nRot: 32, mode: "normal", theta: 10000, freqScale: 1 };
    ops.kvShift(kc, vc, o); // valid
    expectKernelError(() => ops.kvShift(kc, vc, { ...o, used: 9 }), "INVALID_ARGUMENT", /used <= ctx/);
    expectKernelError(() => ops.kvShift(kc, vc, { ...o, keep: 7 }), "INVALID_ARGUMENT", /keep \+ discard <= used/);
    expectKernelError(() => ops.kvShift(kc, vc, { ...o, slot: 2 }), "INVALID_ARGUMENT", /slot/);
    expectKernelError(() => ops.kvShift(kc, vc, { ...o, nRot: 34 }), "INVALID_ARGUMENT", /nRot/);
    expectKernelError(() => ops.kvShift(kc, Tensor.empty(GGMLType.F16, [64, 7, 2]), o), "SHAPE_MISMATCH", /same shape/);
    expectKernelError(() => ops.kvShift(kc, vc, { ...o, headDim: 16, nRot: 16 }), "SHAPE_MISMATCH", /'kCache'/);
  });
});
