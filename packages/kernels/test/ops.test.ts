// Row-wise and element-wise ops (rms_norm, add, mul, scale, silu, gelu, relu2, silu_mul,
// relu2_mul, softmax) against plain float64 references, on every ISA path and 1/2 threads, for
// widths that are not multiples of any SIMD width, 1 row and odd row counts, broadcast, in-place
// use, Plans and operand errors.
import { describe, expect, it } from "vitest";
import { GGMLType, Plan, Tensor, nodes, ops, runOp } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { randomFloats } from "./helpers/rng";

// [K, rows]: tail-only rows, 1 row, odd rows, a wide row split across threads by columns.
const SHAPES: [number, number][] = [[5, 1], [37, 3], [64, 7], [1000, 1], [300, 2]];

const silu = (x: number) => x / (1 + Math.exp(-x));
const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * x * (1 + 0.044715 * x * x)));
const relu2 = (x: number) => (x > 0 ? x * x : 0);

/** max |got - want| / max(1, |want|): relative for large values, absolute near zero. */
function maxErr(got: Float32Array, want: ArrayLike<number>): number {
  let e = 0;
  for (let k = 0; k < want.length; k++) e = Math.max(e, Math.abs(got[k] - want[k]) / Math.max(1, Math.abs(want[k])));
  return e;
}

// Tolerances: add/mul/scale/relu2 are single float32 roundings of the exact result (1 ulp ~ 6e-8
// relative); rms_norm adds a float32 sum of squares (K * 2^-24 at worst); exp-based activations
// and softmax use a ~2-ulp polynomial exp plus a division: 1e-6 covers those with margin while a
// wrong formula (e.g. exact GELU vs tanh GELU differs by ~1e-4) fails.
const EXACT = 2e-7;
const APPROX = 1e-6;

const f32 = (shape: number[], data: Float32Array) => Tensor.fromFloat32(shape, data);

describe("element-wise ops", () => {
  const unary: [string, (x: number) => number, number, number][] = [
    ["silu", silu, APPROX, 8],
    ["gelu", gelu, APPROX, 8],
    ["relu2", relu2, EXACT, 3],
  ];
  for (const [name, fn, tol, range] of unary) {
    it(`${name} matches the reference`, () => {
      forEachIsaAndThreads(() => {
        for (const [K, n] of SHAPES) {
          const x = randomFloats(K * n, K + n, range);
          x[0] = -range * 12; // far tails: exp under/overflow must not produce NaN
          if (x.length > 1) x[1] = range * 12;
          const out = Tensor.empty(GGMLType.F32, [K, n]);
          runOp(name, [out, f32([K, n], x)]);
          expect(maxErr(out.f32(), Array.from(x, fn)), `${name} [${K}, ${n}]`).toBeLessThan(tol);
        }
      });
    });
  }

  const binary: [string, (a: number, b: number) => number, number][] = [
    ["add", (a, b) => a + b, EXACT],
    ["mul", (a, b) => a * b, EXACT],
    ["silu_mul", (a, b) => silu(a) * b, APPROX],
    ["relu2_mul", (a, b) => relu2(a) * b, EXACT],
  ];
  for (const [name, fn, tol] of binary) {
    it(`${name} matches the reference (same shape${name === "add" || name === "mul" ? " and 1-row broadcast" : ""})`, () => {
      forEachIsaAndThreads(() => {
        for (const [K, n] of SHAPES) {
          const a = randomFloats(K * n, 3 * K + n, 4), b = randomFloats(K * n, 5 * K + n, 4);
          const out = Tensor.empty(GGMLType.F32, [K, n]);
          runOp(name, [out, f32([K, n], a), f32([K, n], b)]);
          expect(maxErr(out.f32(), Array.from(a, (v, k) => fn(v, b[k]))), `${name} [${K}, ${n}]`).toBeLessThan(tol);
          if (name === "add" || name === "mul") {
            const row = b.subarray(0, K);
            runOp(name, [out, f32([K, n], a), f32([K, 1], row)]);
            expect(maxErr(out.f32(), Array.from(a, (v, k) => fn(v, row[k % K]))), `${name} broadcast [${K}, ${n}]`).toBeLessThan(tol);
          }
        }
      });
    });
  }

  it("scale multiplies by a constant, in place too", () => {
    forEachIsaAndThreads(() => {
      for (const [K, n] of SHAPES) {
        const x = randomFloats(K * n, K, 3);
        const t = f32([K, n], x);
        ops.scale(t, t, -0.375);
        expect(Array.from(t.f32())).toEqual(Array.from(x, (v) => Math.fround(v * -0.375))); // one rounding
      }
    });
  });

  it("accepts out aliasing an input", () => {
    const a = randomFloats(100, 1), b = randomFloats(100, 2);
    const A = f32([100], a);
    ops.add(A, A, f32([100], b));
    expect(maxErr(A.f32(), Array.from(a, (v, k) => Math.fround(v + b[k])))).toBe(0);
    ops.siluMul(A, A, f32([100], b));
    expect(A.f32().every(Number.isFinite)).toBe(true);
  });
});

describe("rms_norm", () => {
  const ref = (x: Float32Array, w: Float32Array | null, K: number, eps: number) => {
    const out = new Float64Array(x.length);
    for (let r = 0; r < x.length / K; r++) {
      let ss = 0;
      for (let k = 0; k < K; k++) ss += x[r * K + k] ** 2;
      const s = 1 / Math.sqrt(ss / K + eps);
      for (let k = 0; k < K; k++) out[r * K + k] = x[r * K + k] * s * (w ? w[k] : 1);
    }
    return out;
  };
  it("with and without a weight, any width, in place", () => {
    forEachIsaAndThreads(() => {
      for (const [K, n] of SHAPES) {
        const x = randomFloats(K * n, 7 * K + n, 2), w = randomFloats(K, 11 * K, 1.5);
        const out = Tensor.empty(GGMLType.F32, [K, n]);
        ops.rmsNorm(out, f32([K, n], x), f32([K], w), 1e-5);
        expect(maxErr(out.f32(), ref(x, w, K, 1e-5)), `[${K}, ${n}]`).toBeLessThan(APPROX);
        const t = f32([K, n], x);
        ops.rmsNorm(t, t, null, 1e-6);
        expect(maxErr(t.f32(), ref(x, null, K, 1e-6)), `in place [${K}, ${n}]`).toBeLessThan(APPROX);
      }
    });
  });
  it("gives the same bits on every ISA path (double sum of squares everywhere)", () => {
    const K = 2560, n = 3;
    const x = f32([K, n], randomFloats(K * n, 17, 4)), w = f32([K], randomFloats(K, 18));
    const results = new Map<string, number[]>();
    forEachIsaAndThreads(({ isa, threads }) => {
      const out = Tensor.empty(GGMLType.F32, [K, n]);
      ops.rmsNorm(out, x, w, 1e-5);
      results.set(`${isa}/${threads}`, Array.from(out.f32()));
    });
    const first = [...results.values()][0];
    for (const [key, v] of results) expect(v, key).toEqual(first);
  });

  it("eps keeps an all-zero row finite", () => {
    const out = Tensor.empty(GGMLType.F32, [16, 1]);
    ops.rmsNorm(out, Tensor.empty(GGMLType.F32, [16, 1]), null, 1e-6);
    expect(Array.from(out.f32())).toEqual(new Array(16).fill(0));
  });
});

describe("fused norms: add_rms_norm, gated_rms_norm", () => {
  const bits = (t: Tensor) => Array.from(t.f32());
  it("give the bits of the separate ops, any width, with and without a weight, in place, on every ISA and thread count", () => {
    forEachIsaAndThreads(({ isa, threads }) => {
      for (const [K, n] of SHAPES) {
        const a = randomFloats(K * n, 3 * K + n, 2), b = randomFloats(K * n, 5 * K + n, 2), w = f32([K], randomFloats(K, 13 * K, 1.5));
        for (const weight of [w, null]) {
          const label = `${isa}/${threads} [${K}, ${n}] ${weight ? "weighted" : "plain"}`;
          // add then rms_norm
          const sum1 = Tensor.empty(GGMLType.F32, [K, n]), out1 = Tensor.empty(GGMLType.F32, [K, n]);
          ops.add(sum1, f32([K, n], a), f32([K, n], b));
          ops.rmsNorm(out1, sum1, weight, 1e-5);
          const sum2 = f32([K, n], a), out2 = Tensor.empty(GGMLType.F32, [K, n]);
          ops.addRmsNorm(sum2, out2, sum2, f32([K, n], b), weight, 1e-5); // sum replaces a in place
          expect(bits(sum2), `${label} sum`).toEqual(bits(sum1));
          expect(bits(out2), `${label} out`).toEqual(bits(out1));
          // act(gate) * up then rms_norm
          for (const act of ["silu", "relu2"] as const) {
            const g1 = Tensor.empty(GGMLType.F32, [K, n]);
            (act === "silu" ? ops.siluMul : ops.relu2Mul)(g1, f32([K, n], a), f32([K, n], b));
            ops.rmsNorm(g1, g1, weight, 1e-6);
            const g2 = f32([K, n], a);
            ops.gatedRmsNorm(g2, g2, f32([K, n], b), weight, act, 1e-6);
            expect(bits(g2), `${label} ${act}`).toEqual(bits(g1));
          }
        }
      }
    });
  });

  it("reject bad operands and parameters, naming them", () => {
    const x = Tensor.empty(GGMLType.F32, [8, 2]), y = Tensor.empty(GGMLType.F32, [8, 2]), s = Tensor.empty(GGMLType.F32, [8, 2]);
    expectKernelError(() => ops.addRmsNorm(s, x, x, y, null, 1e-5), "INVALID_ARGUMENT", /'out'.*overlaps 'a'/);
    expectKernelError(() => ops.addRmsNorm(s, s, x, y, null, 1e-5), "INVALID_ARGUMENT", /'sum'.*overlaps 'out'/);
    expectKernelError(() => ops.addRmsNorm(s, Tensor.empty(GGMLType.F32, [8, 3]), x, y, null, 1e-5), "SHAPE_MISMATCH", /'out'/);
    expectKernelError(() => ops.addRmsNorm(s, Tensor.empty(GGMLType.F32, [8, 2]), x, Tensor.empty(GGMLType.F32, [7, 2]), null, 1e-5), "SHAPE_MISMATCH", /'b'/);
    expectKernelError(() => ops.gatedRmsNorm(s, x, y, Tensor.empty(GGMLType.F32, [7]), "silu", 1e-5), "SHAPE_MISMATCH", /'weight'/);
    expectKernelError(() => ops.gatedRmsNorm(s, x, y, null, "relu2", Number.NaN), "INVALID_ARGUMENT", /eps/);
    expectKernelError(() => runOp("gated_rms_norm", [s, x, y], [2], [1e-5]), "INVALID_ARGUMENT", /act must be 0 \(silu\) or 1 \(relu2\)/);
  });
});

describe("softmax", () => {
  const ref = (x: Float32Array, K: number) => {
    const out = new Float64Array(x.length);
    for (let r = 0; r < x.length / K; r++) {
      const row = Array.from(x.subarray(r * K, r * K + K));
      const m = Math.max(...row);
      const e = row.map((v) => (m === -Infinity ? 0 : Math.exp(v - m)));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, k) => (out[r * K + k] = m === -Infinity ? 0 : v / s));
    }
    return out;
  };
  it("row-wise, with -inf (masked) entries and fully masked rows", () => {
    forEachIsaAndThreads(() => {
      for (const [K, n] of SHAPES) {
        const x = randomFloats(K * n, 13 * K + n, 20);
        x[0] = -Infinity;
        if (K > 3) x[K - 2] = -Infinity;
        if (n > 1) x.fill(-Infinity, K, 2 * K); // row 1 fully masked -> zeros
        const out = Tensor.empty(GGMLType.F32, [K, n]);
        ops.softmax(out, f32([K, n], x));
        expect(maxErr(out.f32(), ref(x, K)), `[${K}, ${n}]`).toBeLessThan(APPROX);
        for (let r = 0; r < n; r++) {
          const s = out.f32().subarray(r * K, r * K + K).reduce((a, b) => a + b, 0);
          expect(s).toBeCloseTo(r === 1 && n > 1 ? 0 : 1, 5);
        }
      }
    });
  });
});

describe("plans and operand errors", () => {
  it("runs a chain of these ops as one Plan with the same results as immediate calls", () => {
    const K = 96, n = 3;
    const x = randomFloats(K * n, 1), w = randomFloats(K, 2), u = randomFloats(K * n, 3);
    const X = f32([K, n], x), W = f32([K], w), U = f32([K, n], u);
    const a = Tensor.empty(GGMLType.F32, [K, n]), b = Tensor.empty(GGMLType.F32, [K, n]);
    const plan = new Plan([nodes.rmsNorm(a, X, W, 1e-5), nodes.siluMul(b, a, U), nodes.add(b, b, X), nodes.softmax(b, b)]);
    plan.run();
    const a2 = Tensor.empty(GGMLType.F32, [K, n]), b2 = Tensor.empty(GGMLType.F32, [K, n]);
    ops.rmsNorm(a2, X, W, 1e-5);
    ops.siluMul(b2, a2, U);
    ops.add(b2, b2, X);
    ops.softmax(b2, b2);
    expect(Array.from(b.f32())).toEqual(Array.from(b2.f32()));
    plan.dispose();
  });

  it("names the operand and the expected shape", () => {
    const a = Tensor.empty(GGMLType.F32, [8, 2]);
    expectKernelError(() => ops.add(Tensor.empty(GGMLType.F32, [8, 3]), a, a), "SHAPE_MISMATCH", /'out'.*\[8, 2\]/);
    expectKernelError(() => ops.add(a, a, Tensor.empty(GGMLType.F32, [8, 3])), "SHAPE_MISMATCH", /'b'.*\[8, 2\].*single row/);
    expectKernelError(() => ops.siluMul(a, a, Tensor.empty(GGMLType.F32, [8, 1])), "SHAPE_MISMATCH", /'up'/);
    expectKernelError(() => ops.silu(Tensor.empty(GGMLType.F16, [8, 2]), a), "INVALID_ARGUMENT", /'out'.*f32/);
    expectKernelError(() => ops.rmsNorm(a, a, Tensor.empty(GGMLType.F32, [7]), 1e-5), "SHAPE_MISMATCH", /'weight'/);
    expectKernelError(() => ops.rmsNorm(a, a, null, -1), "INVALID_ARGUMENT", /eps/);
    expectKernelError(() => runOp("scale", [a, a]), "INVALID_ARGUMENT", /\[s\]/);
    expectKernelError(() => runOp("softmax", [a]), "INVALID_ARGUMENT", /2 tensor operands/);
  });

  it("allows exact in-place use but rejects partially overlapping operands", () => {
    const buf = Tensor.fromFloat32([8, 4], randomFloats(32, 5));
    const x = buf.rows(0, 2), shifted = buf.rows(1, 2), other = buf.rows(2, 2);
    ops.silu(other, x); // disjoint rows of one buffer: fine
    ops.silu(x, x); // exact in place: fine
    expectKernelError(() => ops.silu(shifted, x), "INVALID_ARGUMENT", /'out' \(t\[0\]\) overlaps 'x'.*exact in-place/);
    expectKernelError(() => ops.add(shifted, x, other), "INVALID_ARGUMENT", /overlaps 'a'/);
    expectKernelError(() => ops.rmsNorm(x, other, buf.rows(1, 1).reshape([8]), 1e-5), "INVALID_ARGUMENT", /overlaps 'weight'/);
    expectKernelError(() => ops.softmax(shifted, x), "INVALID_ARGUMENT", /overlaps 'x'/);
  });
});
