// Ternary matmul tiling edges: token counts around the kernels' token blocks (1, 2, 15, 17, 33 and
// 129, past a 128-token block; AMX: 16-token tiles in pairs), tile counts that leave a single tile after tile pairs, K that is
// not a multiple of the MAD kernels' K-chunk, and per-block scales, for every kernel (on T3 and T2
// weights) on every ISA and 1 and 2 threads, against the plain reference; results must not depend on the thread count.
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, cpuInfo, matmulKernels, matmulWith, memoryStats, ops, quantize } from "../src/index";
import { forEachIsaAndThreads } from "./helpers/isa";
import { LAYOUTS, preparedInEach } from "./helpers/ternary-layout";
import { maxRelError } from "./helpers/reference";
import { rng } from "./helpers/rng";
import { dequantizeI2s, dequantizeTq2, ternaryMatmulRef } from "./ternary-ref";

const TOKENS = [1, 2, 15, 17, 33, 129];

// K = 1280: 5 blocks, K = 2304: 9 blocks (not multiples of the K-chunks); N = 97: 7 tiles, the last
// partial (a full tile group and a group of a pair and a single tile); N = 33: 3 tiles; N = 7: one
// partial tile. I2_S only (its block is 128 weights): K = 1152 and 384, whose last 256-weight
// segment is half past K (zero-padded; the activation block sums of that segment). N = 208: 13 tiles,
// enough for 2-thread prefill shares cut in whole 64-row groups (3 groups and a single tile).
const SHAPES = [
  { K: 1280, N: 97 },
  { K: 512, N: 208 },
  { K: 2304, N: 33 },
  { K: 256, N: 7 },
  { K: 1152, N: 16, i2sOnly: true },
  { K: 384, N: 32, i2sOnly: true },
];

const FORMATS = [
  { name: "i2_s", type: GGMLType.I2_S, dequant: dequantizeI2s, blockScales: false },
  { name: "tq2_0", type: GGMLType.TQ2_0, dequant: dequantizeTq2, blockScales: true },
] as const;

function ternary(K: number, N: number, seed: number, blockScales: boolean): Float32Array {
  const r = rng(seed);
  return new Float32Array(K * N).map((_, e) => {
    const t = Math.floor(r() * 3) - 1;
    return blockScales ? t * (0.5 + (Math.floor(e / 256) % 7) * 0.125) : t;
  });
}

describe("ternary matmul tiling edges", () => {
  for (const f of FORMATS) {
    it(`${f.name}${f.blockScales ? " (per-block scales)" : ""}: every kernel, token counts ${TOKENS.join("/")}`, () => {
      const seen = new Map<string, Float32Array>();
      let checks = 0;
      const shapes = SHAPES.filter((s) => !("i2sOnly" in s) || f.type === GGMLType.I2_S);
      const cases = shapes.flatMap((s, i) => {
        const bytes = quantize(f.type, ternary(s.K, s.N, 11 + i, f.blockScales), s.N, s.K);
        const W = preparedInEach(f.type, [s.K, s.N], bytes);
        const deq = f.dequant(bytes);
        return TOKENS.map((n) => {
          const r = rng(1000 * i + n);
          const x = new Float32Array(s.K * n).map(() => (r() - 0.5) * 3);
          return { ...s, n, W, X: Tensor.fromFloat32([s.K, n], x), want: ternaryMatmulRef(deq, x, s.K, s.N, n) };
        });
      });
      forEachIsaAndThreads(({ isa }) => {
        const kernels = LAYOUTS.flatMap((layout) =>
          matmulKernels(f.type, cases[0].W[layout]).filter((k) => k.endsWith(`.${isa}`)).map((kernel) => ({ kernel, layout })));
        // lut, mad, t2 (+ amx on T3 and T2 on AVX-512 where the CPU and OS allow AMX tiles)
        expect(kernels.length).toBe(isa === "avx512" && cpuInfo().amx ? 5 : 3);
        for (const c of cases) {
          for (const { kernel, layout } of kernels) {
            const y = Tensor.empty(GGMLType.F32, [c.N, c.n]);
            matmulWith(kernel, y, c.W[layout], c.X);
            const got = y.f32().slice();
            const label = `${kernel} K=${c.K} N=${c.N} n=${c.n}`;
            expect(maxRelError(got, c.want), label).toBeLessThan(2e-6);
            const prev = seen.get(label);
            if (prev) expect(Buffer.from(prev.buffer).equals(Buffer.from(got.buffer)), `${label}: 1 vs 2 threads`).toBe(true);
            else seen.set(label, got);
            checks++;
          }
        }
      });
      expect(checks).toBeGreaterThan(0);
    });
  }

  // Repacked weights of 2 MB and more get their own huge-page mapping; smaller ones share 2 MB pages.
  it("large and small repacked weights (own and shared huge pages) stay correct as others are freed", () => {
    const shapes = [
      { K: 2560, N: 4096 }, // 2.4 MB repacked: a mapping of its own
      { K: 512, N: 40 },
      { K: 768, N: 300 },
      { K: 256, N: 3 },
    ];
    const made = shapes.map((s, i) => {
      const bytes = quantize(GGMLType.I2_S, ternary(s.K, s.N, 50 + i, false), s.N, s.K);
      const r = rng(60 + i);
      const x = new Float32Array(s.K * 3).map(() => r() - 0.5);
      return {
        ...s, W: Tensor.from(GGMLType.I2_S, [s.K, s.N], bytes).prepare(), X: Tensor.fromFloat32([s.K, 3], x),
        want: ternaryMatmulRef(dequantizeI2s(bytes), x, s.K, s.N, 3),
      };
    });
    const prepared = memoryStats().prepared;
    const check = (c: (typeof made)[number]) => {
      const y = Tensor.empty(GGMLType.F32, [c.N, 3]);
      ops.matmul(y, c.W, c.X);
      expect(maxRelError(y.f32(), c.want), `K=${c.K} N=${c.N}`).toBeLessThan(2e-6);
    };
    made.forEach(check);
    made[1].W.dispose(); // frees a buffer carved from a shared page; its neighbours stay valid
    made[0].W.dispose();
    expect(memoryStats().prepared).toBeLessThan(prepared);
    check(made[2]);
    check(made[3]);
  });
});
