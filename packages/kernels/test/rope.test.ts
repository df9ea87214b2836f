// RoPE: both conventions (normal = interleaved pairs (x[2i], x[2i+1]); neox = rotate-half pairs
// (x[i], x[i + nRot/2])), partial rotation (nRot < headDim), frequency scale, large and negative
// positions, in-place use, every ISA path and 1/2 threads, and parameter errors.
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, ops, runOp, type RopeOptions } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { randomFloats } from "./helpers/rng";

function ropeRef(x: Float32Array, pos: number[], o: RopeOptions): Float64Array {
  const out = Float64Array.from(x);
  const W = o.nHead * o.headDim, half = o.nRot / 2;
  pos.forEach((p, t) => {
    for (let h = 0; h < o.nHead; h++) {
      const base = t * W + h * o.headDim;
      for (let i = 0; i < half; i++) {
        const a = p * o.freqScale * Math.pow(o.theta, (-2 * i) / o.nRot);
        const [i0, i1] = o.mode === "normal" ? [2 * i, 2 * i + 1] : [i, i + half];
        const x0 = x[base + i0], x1 = x[base + i1];
        out[base + i0] = x0 * Math.cos(a) - x1 * Math.sin(a);
        out[base + i1] = x0 * Math.sin(a) + x1 * Math.cos(a);
      }
    }
  });
  return out;
}

// cos/sin are computed in double and rounded to float, then one float multiply-add per output:
// a few ulp of |x| (inputs are O(1)), so 1e-6 absolute; swapping pairing conventions or a wrong
// frequency exponent produces O(1) errors.
const TOL = 1e-6;
const maxAbs = (a: Float32Array, b: Float64Array) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);

const CASES: { o: RopeOptions; pos: number[] }[] = [
  { o: { nHead: 3, headDim: 8, nRot: 8, mode: "normal", theta: 10000, freqScale: 1 }, pos: [0, 1, 2, 7] },
  { o: { nHead: 3, headDim: 8, nRot: 8, mode: "neox", theta: 10000, freqScale: 1 }, pos: [0, 1, 2, 7] },
  { o: { nHead: 2, headDim: 64, nRot: 32, mode: "neox", theta: 500000, freqScale: 0.25 }, pos: [123456] },
  { o: { nHead: 5, headDim: 6, nRot: 4, mode: "normal", theta: 10000, freqScale: 1 }, pos: [3, -2, 40000] },
  { o: { nHead: 4, headDim: 128, nRot: 128, mode: "neox", theta: 1e6, freqScale: 1 }, pos: [5, 4095] },
];

describe("rope", () => {
  it("matches the reference in both modes, partial rotation, any position", () => {
    forEachIsaAndThreads(() => {
      for (const [k, { o, pos }] of CASES.entries()) {
        const W = o.nHead * o.headDim, n = pos.length;
        const x = randomFloats(W * n, 40 + k);
        const P = Tensor.from(GGMLType.I32, [n], new Int32Array(pos));
        const out = Tensor.empty(GGMLType.F32, [W, n]);
        ops.rope(out, Tensor.fromFloat32([W, n], x), P, o);
        const want = ropeRef(x, pos, o);
        expect(maxAbs(out.f32(), want), `case ${k}`).toBeLessThan(TOL);
        // dimensions past nRot are copied unchanged
        for (let t = 0; t < n; t++)
          for (let h = 0; h < o.nHead; h++)
            for (let d = o.nRot; d < o.headDim; d++) expect(out.f32()[t * W + h * o.headDim + d]).toBe(x[t * W + h * o.headDim + d]);
        // in place gives the same bits
        const inPlace = Tensor.fromFloat32([W, n], x);
        ops.rope(inPlace, inPlace, P, o);
        expect(Array.from(inPlace.f32())).toEqual(Array.from(out.f32()));
      }
    });
  });

  it("the two modes pair different elements (normal: adjacent; neox: halves)", () => {
    const o: RopeOptions = { nHead: 1, headDim: 4, nRot: 4, mode: "normal", theta: 10000, freqScale: 1 };
    const x = Float32Array.from([1, 0, 0, 0]);
    const P = Tensor.from(GGMLType.I32, [1], new Int32Array([1]));
    const a = Tensor.empty(GGMLType.F32, [4, 1]), b = Tensor.empty(GGMLType.F32, [4, 1]);
    ops.rope(a, Tensor.fromFloat32([4, 1], x), P, o);
    ops.rope(b, Tensor.fromFloat32([4, 1], x), P, { ...o, mode: "neox" });
    // angle of pair 0 is exactly 1 radian at position 1
    expect(a.f32()[0]).toBeCloseTo(Math.cos(1), 6);
    expect(a.f32()[1]).toBeCloseTo(Math.sin(1), 6); // partner of x[0] is x[1]
    expect(b.f32()[2]).toBeCloseTo(Math.sin(1), 6); // partner of x[0] is x[2]
    expect(b.f32()[1]).toBe(0);
  });

  it("rejects bad parameters and operands, naming them", () => {
    const x = Tensor.empty(GGMLType.F32, [16, 2]);
    const P = Tensor.from(GGMLType.I32, [2], new Int32Array([0, 1]));
    const o: RopeOptions = { nHead: 2, headDim: 8, nRot: 8, mode: "normal", theta: 10000, freqScale: 1 };
    expectKernelError(() => ops.rope(x, x, P, { ...o, nRot: 7 }), "INVALID_ARGUMENT", /nRot/);
    expectKernelError(() => ops.rope(x, x, P, { ...o, nRot: 10 }), "INVALID_ARGUMENT", /nRot/);
    expectKernelError(() => ops.rope(x, x, P, { ...o, theta: 0 }), "INVALID_ARGUMENT", /theta/);
    expectKernelError(() => runOp("rope", [x, x, P], [2, 8, 8, 2], [10000, 1]), "INVALID_ARGUMENT", /mode/);
    expectKernelError(() => ops.rope(x, x, P, { ...o, nHead: 3 }), "SHAPE_MISMATCH", /'x'.*\[24, \*\]/);
    expectKernelError(() => ops.rope(x, x, Tensor.from(GGMLType.I32, [3], new Int32Array(3)), o), "SHAPE_MISMATCH", /'pos'/);
    expectKernelError(() => ops.rope(x, x, Tensor.empty(GGMLType.F32, [2]), o), "INVALID_ARGUMENT", /'pos'.*i32/);
    expectKernelError(() => runOp("rope", [x, x, P], [2, 8], [10000, 1]), "INVALID_ARGUMENT", /nHead, headDim, nRot, mode/);
  });
});
