// The generic matmul op and get_rows over the weight-format registry: results against a
// float64 reference on every ISA path and thread count, kernel listing and forcing, weight
// preparation caching, and get_rows' id checks.
import { describe, expect, it } from "vitest";
import { GGMLType, KernelError, Plan, Tensor, dequantize, matmulKernels, matmulWith, ops, quantize } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { matmulRef, maxRelError } from "./helpers/reference";
import { randomFloats } from "./helpers/rng";

// K not a multiple of any SIMD width, 1 row, odd rows, 1 and several tokens.
const SHAPES = [
  { K: 37, N: 1, n: 1 },
  { K: 64, N: 7, n: 1 },
  { K: 100, N: 13, n: 3 },
  { K: 256, N: 33, n: 5 },
];

function matmulF32(K: number, N: number, n: number, seed: number) {
  const w = randomFloats(K * N, seed);
  const x = randomFloats(K * n, seed + 1);
  const y = Tensor.empty(GGMLType.F32, [N, n]);
  ops.matmul(y, Tensor.fromFloat32([K, N], w), Tensor.fromFloat32([K, n], x));
  return { got: y.f32(), want: matmulRef(w, x, K, N, n) };
}

describe("matmul op (f32 weights)", () => {
  it("matches the reference for every shape, ISA and thread count", () => {
    forEachIsaAndThreads(() => {
      for (const [k, s] of SHAPES.entries()) {
        const { got, want } = matmulF32(s.K, s.N, s.n, 100 + k);
        expect(maxRelError(got, want), JSON.stringify(s)).toBeLessThan(1e-5);
      }
    });
  });

  it("runs every listed kernel through matmulWith", () => {
    forEachIsaAndThreads(({ isa }) => {
      const kernels = matmulKernels(GGMLType.F32);
      expect(kernels.length).toBeGreaterThan(0);
      expect(kernels.some((k) => k.endsWith(isa))).toBe(true);
      const K = 96, N = 9, n = 4;
      const w = randomFloats(K * N, 7), x = randomFloats(K * n, 8);
      const W = Tensor.fromFloat32([K, N], w), X = Tensor.fromFloat32([K, n], x);
      for (const kernel of kernels) {
        const y = Tensor.empty(GGMLType.F32, [N, n]);
        matmulWith(kernel, y, W, X);
        expect(maxRelError(y.f32(), matmulRef(w, x, K, N, n)), kernel).toBeLessThan(1e-5);
      }
    });
  });

  it("rejects unknown kernel names", () => {
    const W = Tensor.empty(GGMLType.F32, [32, 2]), X = Tensor.empty(GGMLType.F32, [32, 1]);
    const y = Tensor.empty(GGMLType.F32, [2, 1]);
    expectKernelError(() => matmulWith("f32.nope", y, W, X), "INVALID_ARGUMENT", /no matmul kernel 'f32.nope'/);
  });

  it("checks operand shapes and types", () => {
    const W = Tensor.empty(GGMLType.F32, [32, 4]);
    const X = Tensor.empty(GGMLType.F32, [32, 2]);
    expectKernelError(() => ops.matmul(Tensor.empty(GGMLType.F32, [4, 3]), W, X), "SHAPE_MISMATCH", /y must be \[4, 2\]/);
    expectKernelError(() => ops.matmul(Tensor.empty(GGMLType.F32, [4, 2]), W, Tensor.empty(GGMLType.F32, [31, 2])), "SHAPE_MISMATCH");
    expectKernelError(() => ops.matmul(Tensor.empty(GGMLType.I32, [4, 2]), W, X), "INVALID_ARGUMENT", /f32/);
    const shared = new Float32Array(32 * 2 + 8);
    const xs = Tensor.from(GGMLType.F32, [32, 2], shared.subarray(0, 64));
    const ys = Tensor.from(GGMLType.F32, [4, 2], shared.subarray(60, 68));
    expectKernelError(() => ops.matmul(ys, W, xs), "INVALID_ARGUMENT", /overlap/);
    expectKernelError(() => ops.matmul(Tensor.empty(GGMLType.F32, [2, 2]), Tensor.empty(GGMLType.I32, [32, 2]), X), "UNKNOWN_TYPE", /i32/);
  });
});

describe("matmul op (every registered quantized format)", () => {
  const QUANT = [GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q6_K, GGMLType.TQ2_0, GGMLType.TQ1_0];

  it("computes y = x . dequantize(W)^T within float tolerance", () => {
    const K = 256, N = 5, n = 3;
    const wf = randomFloats(K * N, 21), x = randomFloats(K * n, 22);
    let tested = 0;
    for (const type of QUANT) {
      if (matmulKernels(type).length === 0) continue;
      tested++;
      const bytes = quantize(type, wf, N, K);
      const wq = dequantize(type, bytes, N, K);  // the weights the kernel really multiplies
      const want = matmulRef(wq, x, K, N, n);
      forEachIsaAndThreads(() => {
        const y = Tensor.empty(GGMLType.F32, [N, n]);
        ops.matmul(y, Tensor.from(type, [K, N], bytes), Tensor.fromFloat32([K, n], x));
        // quantized kernels quantize activations too (q8 per block / int8 per token)
        expect(maxRelError(y.f32(), want), `type ${type}`).toBeLessThan(0.05);
      });
    }
    // f32 is always registered; quantized formats come from the formats package and are
    // reported here so a missing one is visible rather than silently untested.
    expect(tested, "no quantized weight format is registered").toBeGreaterThan(0);
  });
});

describe("weight preparation", () => {
  it("prepare() returns the tensor and later matmuls reuse the prepared weights", () => {
    const K = 64, N = 3;
    const w = randomFloats(K * N, 3), x = randomFloats(K, 4);
    const W = Tensor.fromFloat32([K, N], w);
    expect(W.prepare()).toBe(W);
    const y = Tensor.empty(GGMLType.F32, [N, 1]);
    ops.matmul(y, W, Tensor.fromFloat32([K, 1], x));
    expect(maxRelError(y.f32(), matmulRef(w, x, K, N, 1))).toBeLessThan(1e-5);
  });

  it("rejects preparing a type without a weight format", () => {
    expectKernelError(() => Tensor.empty(GGMLType.I16, [8, 2]).prepare(), "UNKNOWN_TYPE", /i16/);
  });
});

describe("get_rows", () => {
  it("gathers and dequantizes rows of f32 and integer tables on every ISA and thread count", () => {
    const K = 40, V = 11;
    const table = randomFloats(K * V, 9);
    const ints = new Int16Array(K * V).map((_, k) => (k * 37) % 2001 - 1000);
    const T = Tensor.fromFloat32([K, V], table);
    const Ti = Tensor.from(GGMLType.I16, [K, V], ints);
    const idList = [10, 0, 3, 3, 7];
    const ids = Tensor.from(GGMLType.I32, [idList.length], new Int32Array(idList));
    forEachIsaAndThreads(() => {
      const out = Tensor.empty(GGMLType.F32, [K, idList.length]);
      const outI = Tensor.empty(GGMLType.F32, [K, idList.length]);
      ops.getRows(out, T, ids);
      ops.getRows(outI, Ti, ids);
      idList.forEach((id, t) => {
        expect(Array.from(out.f32().subarray(t * K, (t + 1) * K))).toEqual(Array.from(table.subarray(id * K, (id + 1) * K)));
        expect(Array.from(outI.f32().subarray(t * K, (t + 1) * K))).toEqual(Array.from(ints.subarray(id * K, (id + 1) * K)));
      });
    });
  });

  it("decodes quantized tables exactly like dequantize()", () => {
    const K = 256, V = 4;
    const wf = randomFloats(K * V, 31);
    let tested = 0;
    for (const type of [GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q6_K, GGMLType.TQ2_0, GGMLType.TQ1_0]) {
      let bytes: Uint8Array;
      try {
        bytes = quantize(type, wf, V, K);
      } catch (err) {
        if (err instanceof KernelError && err.code === "UNKNOWN_TYPE") continue;  // format not registered
        throw err;
      }
      tested++;
      const all = dequantize(type, bytes, V, K);
      const out = Tensor.empty(GGMLType.F32, [K, 2]);
      ops.getRows(out, Tensor.from(type, [K, V], bytes), Tensor.from(GGMLType.I32, [2], new Int32Array([3, 1])));
      expect(Array.from(out.f32().subarray(0, K))).toEqual(Array.from(all.subarray(3 * K, 4 * K)));
      expect(Array.from(out.f32().subarray(K, 2 * K))).toEqual(Array.from(all.subarray(K, 2 * K)));
    }
    expect(tested, "no quantizable format registered").toBeGreaterThan(0);
  });

  it("rejects out-of-range ids when built", () => {
    const T = Tensor.empty(GGMLType.F32, [8, 5]);
    const out = Tensor.empty(GGMLType.F32, [8, 2]);
    for (const bad of [5, -1, 1 << 30]) {
      const ids = Tensor.from(GGMLType.I32, [2], new Int32Array([0, bad]));
      expectKernelError(() => ops.getRows(out, T, ids), "INVALID_ARGUMENT", new RegExp(`id ${bad} at position 1 is out of range \\[0, 5\\)`));
    }
  });

  it("clamps ids made out of range after building, then throws after the run", () => {
    const K = 8, V = 5;
    const table = randomFloats(K * V, 5);
    const T = Tensor.fromFloat32([K, V], table);
    const ids = Tensor.empty(GGMLType.I32, [3]);
    const out = Tensor.empty(GGMLType.F32, [K, 3]);
    const plan = new Plan([{ op: "get_rows", t: [out, T, ids] }]);
    forEachIsaAndThreads(() => {
      ids.i32().set([1, 2, 3]);
      plan.run();
      ids.i32().set([4, 1_000_000, -7]);
      expectKernelError(() => plan.run(), "INVALID_ARGUMENT", /out of range \[0, 5\)/);
      // clamped reads stayed inside the table: row V-1 for too large, row 0 for negative
      expect(Array.from(out.f32().subarray(K, 2 * K))).toEqual(Array.from(table.subarray((V - 1) * K, V * K)));
      expect(Array.from(out.f32().subarray(2 * K, 3 * K))).toEqual(Array.from(table.subarray(0, K)));
      // the flag is reset: a good run afterwards succeeds
      ids.i32().set([0, 0, 0]);
      plan.run();
    });
  });
});
