// The persistent pool: default size, resizing, and results that do not depend on the thread count.
import { describe, expect, it } from "vitest";
import { GGMLType, Plan, Tensor, cpuInfo, getThreads, matmulKernels, nodes, ops, quantize, setIsa, setThreads } from "../src/index";
import { availableIsas } from "./helpers/isa";
import { permutationMatrix, permuteRef } from "./helpers/reference";
import { randomFloats } from "./helpers/rng";

const THREAD_COUNTS = [1, 2, 3, 4, 7];
// Formats whose kernels accumulate in integers: their results must be bit-identical.
const INTEGER_FORMATS = [GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q6_K, GGMLType.TQ1_0, GGMLType.TQ2_0, GGMLType.I2_S];

describe("thread pool", () => {
  it("defaults to the number of physical cores", () => {
    // first test in a fresh process: nothing has changed the pool yet
    expect(getThreads()).toBe(cpuInfo().physicalCores);
  });

  it("setThreads changes the pool size", () => {
    const prev = getThreads();
    try {
      for (const n of [1, 3, 2]) {
        setThreads(n);
        expect(getThreads()).toBe(n);
        expect(cpuInfo().threads).toBe(n);
      }
    } finally {
      setThreads(prev);
    }
  });

  // n = 3: one share per thread (decode); n = 40: several shares per thread (prefill, see
  // ops/matmul.cc); N = 600 also cuts those shares in whole row groups of the multiply-add kernels
  // (64 rows on AVX-512, 32 on AVX2), the last group partial.
  it.each([
    [3, 37],
    [40, 37],
    [40, 600],
  ])("integer kernels give identical bits for any thread count, on every ISA (n = %i, N = %i)", (n, N) => {
    const K = 512;
    const wf = randomFloats(K * N, 11), xf = randomFloats(K * n, 12);
    const X = Tensor.fromFloat32([K, n], xf);
    const prevThreads = getThreads();
    const prevIsa = cpuInfo().isa;
    let tested = 0;
    try {
      for (const type of INTEGER_FORMATS) {
        if (matmulKernels(type).length === 0) continue;
        tested++;
        const W = Tensor.from(type, [K, N], quantize(type, wf, N, K));
        for (const isa of availableIsas()) {
          setIsa(isa);
          let first: Uint8Array | undefined;
          for (const threads of THREAD_COUNTS) {
            setThreads(threads);
            const y = Tensor.empty(GGMLType.F32, [N, n]);
            ops.matmul(y, W, X);
            const bits = new Uint8Array(y.bytes());
            if (!first) first = bits;
            else expect(Buffer.from(bits).equals(Buffer.from(first)), `type ${type} ${isa} threads ${threads}`).toBe(true);
          }
        }
      }
    } finally {
      setThreads(prevThreads);
      setIsa(prevIsa);
    }
    expect(tested, "no integer weight format registered").toBeGreaterThan(0);
  });

  // n = 24 runs the matmuls in several shares per thread, claimed as threads come free
  it.each([3, 24])("barriers hold with more threads than cores (waits that yield and sleep), n = %i", (n) => {
    const K = 48, steps = 200;
    const perm = Array.from({ length: K }, (_, k) => (k * 7 + 1) % K);
    const P = Tensor.fromFloat32([K, K], permutationMatrix(perm));
    const start = Float32Array.from({ length: K * n }, (_, k) => k);
    const want = Array.from(permuteRef(start, perm, n, steps));
    const a = Tensor.empty(GGMLType.F32, [K, n]), b = Tensor.empty(GGMLType.F32, [K, n]);
    const plan = new Plan(Array.from({ length: steps }, (_, k) => (k % 2 ? nodes.matmul(a, P, b) : nodes.matmul(b, P, a))));
    const prev = getThreads();
    try {
      for (const threads of [2, 3, 5, 2 * cpuInfo().logicalCores + 1]) {
        setThreads(threads);
        for (let run = 0; run < 10; run++) {
          a.f32().set(start);
          plan.run();
          expect(Array.from(a.f32()), `threads ${threads} run ${run}`).toEqual(want);
        }
      }
    } finally {
      setThreads(prev);
      plan.dispose();
    }
  });

  it("more threads than rows or tokens still computes every output", () => {
    const prev = getThreads();
    try {
      setThreads(8);
      const w = Tensor.fromFloat32([32, 1], new Float32Array(32).fill(1));
      const x = Tensor.fromFloat32([32, 1], Float32Array.from({ length: 32 }, (_, k) => k));
      const y = Tensor.empty(GGMLType.F32, [1, 1]);
      ops.matmul(y, w, x);
      expect(y.f32()[0]).toBe(496);
    } finally {
      setThreads(prev);
    }
  });

  it("a plan keeps working when the thread count changes between runs", () => {
    const prev = getThreads();
    const K = 256, N = 16;
    const type = matmulKernels(GGMLType.Q8_0).length ? GGMLType.Q8_0 : GGMLType.F32;
    const wf = randomFloats(K * N, 5);
    const W = type === GGMLType.F32 ? Tensor.fromFloat32([K, N], wf) : Tensor.from(type, [K, N], quantize(type, wf, N, K));
    const x = Tensor.fromFloat32([K, 2], randomFloats(K * 2, 6));
    const y = Tensor.empty(GGMLType.F32, [N, 2]);
    const plan = new Plan([nodes.matmul(y, W, x)]);
    try {
      setThreads(1);
      plan.run();
      const want = Array.from(y.f32());
      for (const n of [4, 2, 7, 1]) {
        setThreads(n);
        y.f32().fill(0);
        plan.run();
        expect(Array.from(y.f32())).toEqual(want);
      }
    } finally {
      setThreads(prev);
      plan.dispose();
    }
  });
});
