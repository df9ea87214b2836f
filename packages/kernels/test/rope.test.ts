// RoPE: both conventions (normal = interleaved pairs (x[2i], x[2i+1]); neox = rotate-half pairs
// (x[i], x[i + nRot/2])), partial rotation (nRot < headDim), frequency scale, large and negative
// positions, in-place use, optional per-pair frequency factors (Llama 3.1's rope_freqs.weight,
// dividing each pair's angle as ggml's freq_factors do), every ISA path and 1/2 threads, and
// parameter errors.
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, ops, runOp, type RopeOptions } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { randomFloats } from "./helpers/rng";
import { llama3FreqFactors } from "./rope-ref";

function ropeRef(x: Float32Array, pos: number[], o: RopeOptions, ff?: Float32Array): Float64Array {
  const out = Float64Array.from(x);
  const W = o.nHead * o.headDim, half = o.nRot / 2;
  pos.forEach((p, t) => {
    for (let h = 0; h < o.nHead; h++) {
      const base = t * W + h * o.headDim;
      for (let i = 0; i < half; i++) {
        const a = (p * o.freqScale * Math.pow(o.theta, (-2 * i) / o.nRot)) / (ff ? ff[i] : 1);
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

/** rope through runOp with the optional freqFactors operand (t[3]). */
function ropeWithFactors(out: Tensor, x: Tensor, pos: Tensor, o: RopeOptions, ff: Tensor): void {
  runOp("rope", [out, x, pos, ff], [o.nHead, o.headDim, o.nRot, o.mode === "neox" ? 1 : 0], [o.theta, o.freqScale]);
}

const CASES: { o: RopeOptions; pos: number[] }[] = [
  { o: { nHead: 3, headDim: 8, nRot: 8, mode: "normal", theta: 10000, freqScale: 1 }, pos: [0, 1, 2, 7] },
  { o: { nHead: 3, headDim: 8, nRot: 8, mode: "neox", theta: 10000, freqScale: 1 }, pos: [0, 1, 2, 7] },
  { o: { nHead: 2, headDim: 64, nRot: 32, mode: "neox", theta: 500000, freqScale: 0.25 }, pos: [123456] },
  { o: { nHead: 5, headDim: 6, nRot: 4, mode: "normal", theta: 10000, freqScale: 1 }, pos: [3, -2, 40000] },
  { o: { nHead: 4, headDim: 128, nRot: 128, mode: "neox", theta: 1e6, freqScale: 1 }, pos: [5, 4095] },
  // pair counts (14, 10) that are not multiples of the SIMD widths: full vectors plus tails
  { o: { nHead: 3, headDim: 30, nRot: 28, mode: "normal", theta: 10000, freqScale: 1 }, pos: [1, 77, 1000] },
  { o: { nHead: 3, headDim: 22, nRot: 20, mode: "neox", theta: 10000, freqScale: 1 }, pos: [1, 77, 1000] },
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

  it("frequency factors divide each pair's angle (Llama 3.1 factors, both modes, extra factors ignored)", () => {
    const cases: { o: RopeOptions; pos: number[]; ff: Float32Array }[] = [
      { o: { nHead: 4, headDim: 128, nRot: 128, mode: "normal", theta: 500000, freqScale: 1 }, pos: [0, 1, 9000, 131071], ff: llama3FreqFactors(128, 500000) },
      { o: { nHead: 3, headDim: 64, nRot: 64, mode: "neox", theta: 10000, freqScale: 0.5 }, pos: [7, 4096], ff: llama3FreqFactors(64, 10000) },
      // partial rotation; a factor vector longer than nRot/2 (ggml uses the first nRot/2)
      { o: { nHead: 2, headDim: 10, nRot: 6, mode: "normal", theta: 10000, freqScale: 1 }, pos: [3, 250], ff: Float32Array.from([2, 0.5, 3.25, 99, 99]) },
    ];
    // the Llama 3.1 factors are not trivial: 1 for high frequencies, 8 for low ones, a blend between
    const f = cases[0].ff;
    expect(f[0]).toBe(1);
    expect(f[63]).toBe(8);
    expect(f.some((v) => v > 1 && v < 8)).toBe(true);
    forEachIsaAndThreads(() => {
      for (const [k, { o, pos, ff }] of cases.entries()) {
        const W = o.nHead * o.headDim, n = pos.length;
        const x = randomFloats(W * n, 60 + k);
        const P = Tensor.from(GGMLType.I32, [n], new Int32Array(pos));
        const FF = Tensor.fromFloat32([ff.length], ff);
        const out = Tensor.empty(GGMLType.F32, [W, n]);
        ropeWithFactors(out, Tensor.fromFloat32([W, n], x), P, o, FF);
        expect(maxAbs(out.f32(), ropeRef(x, pos, o, ff)), `case ${k}`).toBeLessThan(TOL);
        // the factors matter: without them the result is far from the reference
        const plain = Tensor.empty(GGMLType.F32, [W, n]);
        ops.rope(plain, Tensor.fromFloat32([W, n], x), P, o);
        expect(maxAbs(plain.f32(), ropeRef(x, pos, o, ff)), `case ${k} without factors`).toBeGreaterThan(0.1);
        // in place
        const inPlace = Tensor.fromFloat32([W, n], x);
        ropeWithFactors(inPlace, inPlace, P, o, FF);
        expect(Array.from(inPlace.f32())).toEqual(Array.from(out.f32()));
      }
    });
  });

  it("a shared angle table (rope_angles + rope_by_angles) gives the bits of rope, with and without factors, in place", () => {
    const ff = llama3FreqFactors(128, 500000);
    forEachIsaAndThreads(({ isa, threads }) => {
      for (const [k, { o, pos }] of CASES.entries()) {
        for (const factors of [undefined, o.nRot === 128 ? ff : undefined]) {
          const W = o.nHead * o.headDim, n = pos.length, label = `${isa}/${threads} case ${k}${factors ? " factors" : ""}`;
          const x = randomFloats(W * n, 80 + k);
          const P = Tensor.from(GGMLType.I32, [n], new Int32Array(pos));
          const want = Tensor.empty(GGMLType.F32, [W, n]);
          const table = Tensor.empty(GGMLType.F32, [o.nRot, n]);
          const angles = { nRot: o.nRot, theta: o.theta, freqScale: o.freqScale };
          if (factors) {
            const FF = Tensor.fromFloat32([factors.length], factors);
            ropeWithFactors(want, Tensor.fromFloat32([W, n], x), P, o, FF);
            runOp("rope_angles", [table, P, FF], [o.nRot], [o.theta, o.freqScale]);
          } else {
            ops.rope(want, Tensor.fromFloat32([W, n], x), P, o);
            ops.ropeAngles(table, P, angles);
          }
          const got = Tensor.fromFloat32([W, n], x);
          ops.ropeByAngles(got, got, table, o);
          expect(Array.from(got.f32()), label).toEqual(Array.from(want.f32()));
        }
      }
    });
  });

  it("rope_angles and rope_by_angles reject bad operands, naming them", () => {
    const P = Tensor.from(GGMLType.I32, [2], new Int32Array([0, 1]));
    const table = Tensor.empty(GGMLType.F32, [8, 2]);
    expectKernelError(() => ops.ropeAngles(Tensor.empty(GGMLType.F32, [8, 3]), P, { nRot: 8, theta: 1e4, freqScale: 1 }), "SHAPE_MISMATCH", /'table'/);
    expectKernelError(() => ops.ropeAngles(Tensor.empty(GGMLType.F32, [7, 2]), P, { nRot: 7, theta: 1e4, freqScale: 1 }), "INVALID_ARGUMENT", /nRot must be even/);
    expectKernelError(() => ops.ropeAngles(table, P, { nRot: 8, theta: -1, freqScale: 1 }), "INVALID_ARGUMENT", /theta/);
    const o = { nHead: 2, headDim: 8, nRot: 8, mode: "normal" as const };
    const x = Tensor.empty(GGMLType.F32, [16, 2]);
    expectKernelError(() => ops.ropeByAngles(x, x, Tensor.empty(GGMLType.F32, [6, 2]), o), "SHAPE_MISMATCH", /'table'/);
    expectKernelError(() => ops.ropeByAngles(x, x, table, { ...o, nRot: 10 }), "INVALID_ARGUMENT", /nRot/);
    expectKernelError(() => ops.ropeByAngles(x, Tensor.empty(GGMLType.F32, [16, 2]), x.rows(0, 1).reshape([8, 2]), o), "INVALID_ARGUMENT", /overlaps 'table'/);
  });

  it("all-ones factors give the same bits as no factors", () => {
    const o: RopeOptions = { nHead: 2, headDim: 32, nRot: 32, mode: "neox", theta: 10000, freqScale: 1 };
    const x = Tensor.fromFloat32([64, 3], randomFloats(64 * 3, 70));
    const P = Tensor.from(GGMLType.I32, [3], new Int32Array([0, 17, 3000]));
    const a = Tensor.empty(GGMLType.F32, [64, 3]), b = Tensor.empty(GGMLType.F32, [64, 3]);
    ops.rope(a, x, P, o);
    ropeWithFactors(b, x, P, o, Tensor.fromFloat32([16], new Float32Array(16).fill(1)));
    expect(Array.from(b.f32())).toEqual(Array.from(a.f32()));
  });

  it("rejects bad frequency factors, naming them", () => {
    const o: RopeOptions = { nHead: 2, headDim: 8, nRot: 8, mode: "normal", theta: 10000, freqScale: 1 };
    const x = Tensor.empty(GGMLType.F32, [16, 2]);
    const P = Tensor.from(GGMLType.I32, [2], new Int32Array([0, 1]));
    const ff = (v: number[]) => Tensor.fromFloat32([v.length], Float32Array.from(v));
    ropeWithFactors(x, x, P, o, ff([1, 2, 3, 4])); // valid
    expectKernelError(() => ropeWithFactors(x, x, P, o, ff([1, 2, 3])), "SHAPE_MISMATCH", /'freqFactors' \(t\[3\]\) must have shape \[4\]/);
    expectKernelError(() => ropeWithFactors(x, x, P, o, Tensor.empty(GGMLType.F32, [4, 2])), "SHAPE_MISMATCH", /'freqFactors'/);
    expectKernelError(() => ropeWithFactors(x, x, P, o, Tensor.empty(GGMLType.F16, [4])), "INVALID_ARGUMENT", /'freqFactors'.*must be f32/);
    expectKernelError(() => ropeWithFactors(x, x, P, o, ff([1, 0, 3, 4])), "INVALID_ARGUMENT", /'freqFactors'.*element 1 must be a finite number > 0/);
    expectKernelError(() => ropeWithFactors(x, x, P, o, ff([1, 2, NaN, 4])), "INVALID_ARGUMENT", /element 2/);
    expectKernelError(() => ropeWithFactors(x, x, P, o, ff([1, 2, 3, -4])), "INVALID_ARGUMENT", /element 3/);
    const buf = Tensor.empty(GGMLType.F32, [16, 3]);
    buf.f32().fill(1);
    // factors inside the output's bytes would be overwritten while they are read
    expectKernelError(() => ropeWithFactors(buf.rows(0, 2), x, P, o, buf.rows(1, 1)), "INVALID_ARGUMENT", /'out' \(t\[0\]\) overlaps 'freqFactors'/);
    ropeWithFactors(buf.rows(0, 2), x, P, o, buf.rows(2, 1)); // the row after it is fine
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
