// Plans: validated once at construction, nodes run in order in one native call, with every
// phase of every node finished by all threads before the next one starts.
import { describe, expect, it } from "vitest";
import { GGMLType, Plan, Tensor, nodes } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { matmulRef, maxRelError, permutationMatrix, permuteRef } from "./helpers/reference";
import { randomFloats } from "./helpers/rng";

describe("Plan", () => {
  it("runs get_rows then chained matmuls in order, matching the reference", () => {
    const K = 48, H = 20, V = 9;
    const table = randomFloats(K * V, 1), w1 = randomFloats(K * H, 2), w2 = randomFloats(H * K, 3);
    const idList = [8, 0, 4];
    const n = idList.length;
    const ids = Tensor.from(GGMLType.I32, [n], new Int32Array(idList));
    const x = Tensor.empty(GGMLType.F32, [K, n]);
    const h = Tensor.empty(GGMLType.F32, [H, n]);
    const y = Tensor.empty(GGMLType.F32, [K, n]);
    const T = Tensor.fromFloat32([K, V], table), W1 = Tensor.fromFloat32([K, H], w1), W2 = Tensor.fromFloat32([H, K], w2);
    const xs = new Float32Array(idList.flatMap((id) => Array.from(table.subarray(id * K, (id + 1) * K))));
    const hs = Float32Array.from(matmulRef(w1, xs, K, H, n));
    const want = matmulRef(w2, hs, H, K, n);
    forEachIsaAndThreads(() => {
      const plan = new Plan([nodes.getRows(x, T, ids), nodes.matmul(h, W1, x), nodes.matmul(y, W2, h)]);
      expect(plan.length).toBe(3);
      y.f32().fill(NaN);
      plan.run();
      expect(maxRelError(y.f32(), want)).toBeLessThan(1e-5);
      plan.dispose();
    });
  });

  it("later nodes see earlier nodes' writes: a 300-node chain of permutations", () => {
    const K = 64, n = 2;
    const perm = Array.from({ length: K }, (_, k) => (k * 5 + 3) % K);
    const P = Tensor.fromFloat32([K, K], permutationMatrix(perm));
    const start = Float32Array.from({ length: K * n }, (_, k) => k);
    const a = Tensor.empty(GGMLType.F32, [K, n]), b = Tensor.empty(GGMLType.F32, [K, n]);
    const chain = Array.from({ length: 300 }, (_, k) => (k % 2 === 0 ? nodes.matmul(b, P, a) : nodes.matmul(a, P, b)));
    const want = permuteRef(start, perm, n, 300);
    forEachIsaAndThreads(() => {
      const plan = new Plan(chain);
      for (let run = 0; run < 5; run++) {
        a.f32().set(start);
        plan.run();
        expect(Array.from(a.f32())).toEqual(Array.from(want));
      }
    });
  });

  it("sees inputs written from JS between runs", () => {
    const K = 16, V = 4;
    const table = Float32Array.from({ length: K * V }, (_, k) => k);
    const ids = Tensor.empty(GGMLType.I32, [1]);
    const out = Tensor.empty(GGMLType.F32, [K, 1]);
    const plan = new Plan([nodes.getRows(out, Tensor.fromFloat32([K, V], table), ids)]);
    for (const id of [3, 1, 2, 0]) {
      ids.i32()[0] = id;
      plan.run();
      expect(out.f32()[0]).toBe(id * K);
    }
  });

  it("validates every node at construction and names the failing node", () => {
    const w = Tensor.empty(GGMLType.F32, [32, 4]), x = Tensor.empty(GGMLType.F32, [32, 1]);
    const good = nodes.matmul(Tensor.empty(GGMLType.F32, [4, 1]), w, x);
    const bad = nodes.matmul(Tensor.empty(GGMLType.F32, [5, 1]), w, x);
    expectKernelError(() => new Plan([good, bad]), "SHAPE_MISMATCH", /^node 1: matmul: shape mismatch/);
    expectKernelError(() => new Plan([good, { op: "nope", t: [] }]), "INVALID_ARGUMENT", /node 1: unknown op 'nope'/);
    expectKernelError(() => new Plan([good, 3 as never]), "INVALID_ARGUMENT", /node 1: must be an object/);
    expectKernelError(() => new Plan([{ op: "matmul", t: "x" as never }]), "INVALID_ARGUMENT", /node 0: matmul t must be an array/);
    expectKernelError(() => new Plan([{ op: "matmul", t: [w, w, {} as never] }]), "INVALID_ARGUMENT", /t\[2\] must be a Tensor/);
    expectKernelError(() => new Plan([{ ...good, i: [1.5] }]), "INVALID_ARGUMENT", /i\[0\] must be an integer/);
    expectKernelError(() => new Plan([{ ...good, f: ["a" as never] }]), "INVALID_ARGUMENT", /f\[0\] must be a number/);
    expectKernelError(() => new Plan({} as never), "INVALID_ARGUMENT", /array of nodes/);
  });

  it("an empty plan runs and does nothing", () => {
    const plan = new Plan([]);
    expect(plan.length).toBe(0);
    plan.run();
  });

  it("keeps disposed tensors alive and refuses to run once disposed", () => {
    const x = Tensor.fromFloat32([32, 1], new Float32Array(32).fill(1));
    const w = Tensor.fromFloat32([32, 1], new Float32Array(32).fill(0.5));
    const y = Tensor.empty(GGMLType.F32, [1, 1]);
    const yv = y.f32();
    const plan = new Plan([nodes.matmul(y, w, x)]);
    x.dispose();
    w.dispose();
    plan.run();
    expect(yv[0]).toBe(16);
    plan.dispose();
    expect(plan.disposed).toBe(true);
    expectKernelError(() => plan.run(), "DISPOSED", /Plan was disposed/);
    plan.dispose(); // idempotent
  });

  it("refuses disposed tensors when built", () => {
    const x = Tensor.empty(GGMLType.F32, [32, 1]);
    x.dispose();
    expectKernelError(
      () => new Plan([nodes.matmul(Tensor.empty(GGMLType.F32, [1, 1]), Tensor.empty(GGMLType.F32, [32, 1]), x)]),
      "DISPOSED",
      /node 0: matmul t\[2\] is a disposed Tensor/,
    );
  });
});
