// matmul_multi: several weights over one input give exactly what separate matmuls give.
import { describe, expect, it } from "vitest";
import { GGMLType, KernelError, Plan, Tensor, nodes, ops, quantize } from "../src/index";
import { forEachIsaAndThreads } from "./helpers/isa";
import { randomFloats } from "./helpers/rng";

const K = 512;

function weights(type: number, N: number, seed: number): Tensor {
  let f = randomFloats(K * N, seed);
  if (type === GGMLType.TQ2_0 || type === GGMLType.TQ1_0) f = f.map((v) => (v > 0.3 ? 1 : v < -0.3 ? -1 : 0));
  return Tensor.from(type, [K, N], quantize(type, f, N, K));
}

describe("matmul_multi", () => {
  const cases: [string, number[], number[]][] = [
    ["ternary q/k/v", [GGMLType.TQ2_0, GGMLType.TQ2_0, GGMLType.TQ2_0], [64, 16, 16]],
    // at 2 threads the first part has no rows for share 1, whose later part still needs its activations
    ["ternary, short first part", [GGMLType.TQ2_0, GGMLType.TQ2_0], [16, 64]],
    ["mixed formats", [GGMLType.TQ2_0, GGMLType.Q8_0, GGMLType.F32], [32, 48, 8]],
  ];
  for (const [name, types, Ns] of cases) {
    for (const n of [1, 5]) {
      it(`${name}, ${n} token(s): bit-identical to separate matmuls`, () => {
        const ws = types.map((t, j) => weights(t, Ns[j], 10 + j));
        const x = Tensor.fromFloat32([K, n], randomFloats(K * n, 3));
        const want = Ns.map((N) => Tensor.empty(GGMLType.F32, [N, n]));
        const got = Ns.map((N) => Tensor.empty(GGMLType.F32, [N, n]));
        forEachIsaAndThreads(() => {
          ws.forEach((w, j) => ops.matmul(want[j], w, x));
          for (const g of got) g.f32().fill(NaN);
          const plan = new Plan([nodes.matmulMulti(got, ws, x)]);
          plan.run();
          got.forEach((g, j) => expect(Array.from(g.f32())).toEqual(Array.from(want[j].f32())));
          plan.dispose();
          for (const g of got) g.f32().fill(NaN);
          ops.matmulMulti(got, ws, x);
          got.forEach((g, j) => expect(Array.from(g.f32())).toEqual(Array.from(want[j].f32())));
        });
      });
    }
  }

  it("rejects mismatched operands with a clear error", () => {
    const w = weights(GGMLType.Q8_0, 16, 1);
    const x = Tensor.fromFloat32([K, 1], randomFloats(K, 2));
    const y = Tensor.empty(GGMLType.F32, [16, 1]);
    expect(() => nodes.matmulMulti([y], [w, w], x)).toThrow(KernelError);
    expect(() => ops.matmulMulti([y, y], [w, w], x)).toThrow(/overlap/);
    const bad = Tensor.empty(GGMLType.F32, [8, 1]);
    expect(() => ops.matmulMulti([y, bad], [w, w], x)).toThrow(/weight 1: shape mismatch/);
    expect(() => new Plan([{ op: "matmul_multi", t: [y, w] }])).toThrow(/expects tensors/);
  });
});
