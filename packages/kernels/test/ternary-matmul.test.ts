// Ternary matmul: every kernel (LUT and MAD families on T3 weights, multiply-add on T2 weights,
// every ISA on this CPU, 1 and 2 threads) against a plain TypeScript reference (reference dequantization -> float64 matmul with the same
// BitNet int8 activation quantization), bit-identical results across thread counts, kernels and
// layouts (the same integer block sums, then the same float operations), the int16/int32 overflow worst case, and selection.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, cpuInfo, matmulKernels, matmulWith, ops, quantize, setIsa, setThreads, getThreads } from "../src/index";
import { forEachIsaAndThreads } from "./helpers/isa";
import { LAYOUTS, type Layout, defaultLayout, preparedInEach, withLayout } from "./helpers/ternary-layout";
import { maxRelError } from "./helpers/reference";
import { rng } from "./helpers/rng";
import { dequantizeI2s, dequantizeTq1, dequantizeTq2, ternaryMatmulRef } from "./ternary-ref";

const TYPES = [
  { name: "tq1_0", type: GGMLType.TQ1_0, dequant: dequantizeTq1 },
  { name: "tq2_0", type: GGMLType.TQ2_0, dequant: dequantizeTq2 },
  { name: "i2_s", type: GGMLType.I2_S, dequant: dequantizeI2s },
] as const;

// 1 row, odd rows, rows not a multiple of the 16-row tile, BitNet-like K, 1 to 6 / 17 / 40 tokens;
// K = 3328 (13 blocks) with 18 tiles: the AVX-512 LUT kernel's K-chunked path over more than one
// 16-tile block and a partial last tile.
const SHAPES = [
  { K: 3328, N: 277, n: 2 },
  { K: 256, N: 1, n: 1 },
  { K: 512, N: 17, n: 3 },
  { K: 6912, N: 33, n: 1 },
  { K: 2560, N: 31, n: 17 },
  { K: 768, N: 5, n: 40 },
  // one full token pair (AMX: the sums stay in the tile registers across K-chunks), odd tile count
  { K: 1536, N: 70, n: 32 },
  // small batches (T2 AVX-512: row pairs x 4 tokens, then 1-3; odd rows end on a single row)
  { K: 1280, N: 13, n: 6 },
  { K: 768, N: 9, n: 5 },
  // two token blocks (128 + 22) over several row groups and a partial tile: blocks outermost
  { K: 512, N: 150, n: 150 },
];

/** Ternary weights; blockScales gives each 256-block its own scale (TQ per-block path). */
function weights(K: number, N: number, seed: number, blockScales: boolean): Float32Array {
  const r = rng(seed);
  return new Float32Array(K * N).map((_, e) => {
    const t = Math.floor(r() * 3) - 1;
    return blockScales ? t * (0.5 + (Math.floor(e / 256) % 5) * 0.25) : t * 0.8;
  });
}

function activations(K: number, n: number, seed: number): Float32Array {
  const r = rng(seed);
  return new Float32Array(K * n).map(() => (r() - 0.5) * 4);
}

interface Case {
  label: string;
  W: Record<Layout, Tensor>;
  X: Tensor;
  K: number;
  N: number;
  n: number;
  want: Float64Array;
}

function makeCase(f: (typeof TYPES)[number], s: (typeof SHAPES)[number], seed: number, blockScales: boolean): Case {
  const w = weights(s.K, s.N, seed, blockScales);
  const x = activations(s.K, s.n, seed + 1);
  const bytes = quantize(f.type, w, s.N, s.K);
  const deq = f.dequant(bytes); // the reference decoder, not the native one
  return {
    label: `${f.name} K=${s.K} N=${s.N} n=${s.n} ${blockScales ? "block-scales" : "one-scale"}`,
    W: preparedInEach(f.type, [s.K, s.N], bytes),
    X: Tensor.fromFloat32([s.K, s.n], x),
    ...s,
    want: ternaryMatmulRef(deq, x, s.K, s.N, s.n),
  };
}

function run(kernel: string | null, c: Case, layout: Layout): Float32Array {
  const y = Tensor.empty(GGMLType.F32, [c.N, c.n]);
  if (kernel) matmulWith(kernel, y, c.W[layout], c.X);
  else ops.matmul(y, c.W[layout], c.X);
  return y.f32().slice();
}

const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

describe("ternary matmul kernels", () => {
  for (const f of TYPES) {
    it(`${f.name}: every kernel matches the reference on every ISA and thread count`, () => {
      const cases = SHAPES.flatMap((s, i) => [makeCase(f, s, 100 + i, false), makeCase(f, s, 200 + i, true)]);
      const seen = new Map<string, Float32Array>(); // kernel|case -> result at the first thread count
      let runs = 0;
      forEachIsaAndThreads(({ isa }) => {
        const kernels = { t3: matmulKernels(f.type, cases[0].W.t3), t2: matmulKernels(f.type, cases[0].W.t2) };
        expect(kernels.t3).toContain(`${f.name}.lut.${isa}`);
        expect(kernels.t3).toContain(`${f.name}.mad.${isa}`);
        if (isa === "avx512" && cpuInfo().amx) expect(kernels.t3).toContain(`${f.name}.amx.avx512`);
        expect(kernels.t2).toContain(`${f.name}.t2.${isa}`);
        if (isa === "avx512" && cpuInfo().amx) expect(kernels.t2).toContain(`${f.name}.t2amx.avx512`);
        expect(kernels.t2.every((k) => k.includes(".t2")) && kernels.t3.every((k) => !k.includes(".t2"))).toBe(true);
        for (const c of cases) {
          let first: Float32Array | null = null;
          for (const layout of LAYOUTS) {
            for (const kernel of [null, ...kernels[layout]]) {
              const got = run(kernel, c, layout);
              const name = `${kernel ?? "selected"} (${layout})`;
              expect(maxRelError(got, c.want), `${name} ${c.label}`).toBeLessThan(2e-6);
              const key = `${name}|${c.label}`;
              const prev = seen.get(key);
              if (prev) expect(same(prev, got), `${key}: 1 vs 2 threads`).toBe(true);
              else seen.set(key, got);
              // Exact integer sums then identical float ops in every kernel, for either scale mode.
              if (first) expect(same(first, got), `${name} vs first kernel, ${c.label}`).toBe(true);
              first ??= got;
              runs++;
            }
          }
        }
      });
      expect(runs).toBeGreaterThan(0);
    });
  }

  it("no intermediate overflows: all weights +-1, activations +-127, K = 16384", () => {
    const K = 16384, N = 17, n = 3;
    // token 0: all +1 -> +127; token 1: all -1 -> -127; token 2: alternating
    const x = new Float32Array(K * n).map((_, e) => (e < K ? 1 : e < 2 * K ? -1 : e % 2 ? 1 : -1));
    for (const f of TYPES) {
      for (const sign of [1, -1]) {
        const w = new Float32Array(K * N).fill(sign);
        const bytes = quantize(f.type, w, N, K);
        const c: Case = {
          label: `${f.name} all ${sign}`, W: preparedInEach(f.type, [K, N], bytes), X: Tensor.fromFloat32([K, n], x),
          K, N, n, want: ternaryMatmulRef(f.dequant(bytes), x, K, N, n),
        };
        // the exact answer: integer sum sign * K * (+-127) (far outside int16), times 1/127
        const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * K;
        for (let r = 0; r < N; r++) {
          expect(near(c.want[r], sign * K) && near(c.want[N + r], -sign * K) && near(c.want[2 * N + r], 0)).toBe(true);
        }
        forEachIsaAndThreads(() => {
          for (const layout of LAYOUTS)
            for (const kernel of [null, ...matmulKernels(f.type, c.W[layout])]) {
              const got = run(kernel, c, layout);
              for (let e = 0; e < N * n; e++)
                expect(Math.abs(got[e] - c.want[e]), `${kernel} (${layout}) ${c.label} [${e}]`).toBeLessThanOrEqual(1e-6 * K);
            }
        });
      }
    }
  });

  it("a NaN activation anywhere in a token quantizes to -127 on every ISA, kernel and layout, as on the scalar path", () => {
    // the max-abs scans skip a NaN wherever it is (first, middle or last values of the token);
    // 1 token (LUT tables) and 8 (MAD records)
    const K = 640, N = 17;
    const bytes = quantize(GGMLType.I2_S, weights(K, N, 5, false), N, K);
    const W = preparedInEach(GGMLType.I2_S, [K, N], bytes);
    for (const n of [1, 8]) {
      const x = activations(K, n, 6);
      for (let t = 0; t < n; t++) x[t * K + [0, 3 + t, K - 1, K - 9, K - 65][t % 5]] = NaN;
      const c: Case = { label: `NaN n=${n}`, W, X: Tensor.fromFloat32([K, n], x), K, N, n, want: new Float64Array(0) };
      let first: Float32Array | null = null;
      forEachIsaAndThreads(() => {
        for (const layout of LAYOUTS)
          for (const kernel of [null, ...matmulKernels(GGMLType.I2_S, W[layout])]) {
            const got = run(kernel, c, layout);
            expect(got.every(Number.isFinite), `${kernel} (${layout}) ${c.label}`).toBe(true);
            if (first) expect(same(first, got), `${kernel} (${layout}) ${c.label} vs the first`).toBe(true);
            first ??= got;
          }
      });
      // the NaN does count (as -127): with a 0 in its place the result differs
      const asZero = run(null, { ...c, X: Tensor.fromFloat32([K, n], x.map((v) => (Number.isNaN(v) ? 0 : v))) }, "t3");
      expect(same(first!, asZero)).toBe(false);
    }
  });

  it("large tensors (repacked on several threads) match the reference; a bad code in the last rows is found", () => {
    const s = { K: 2560, N: 1700, n: 2 };
    for (const f of [TYPES[1], TYPES[2]]) {
      for (const blockScales of [false, true]) {
        const c = makeCase(f, s, 300, blockScales);
        for (const layout of LAYOUTS) expect(maxRelError(run(null, c, layout), c.want), `${c.label} (${layout})`).toBeLessThan(2e-6);
      }
    }
    const bytes = quantize(GGMLType.TQ2_0, weights(s.K, s.N, 9, false), s.N, s.K);
    bytes[(s.N - 1) * (s.K / 256) * 66 + 3] |= 3; // row N-1, element 3
    const y = Tensor.empty(GGMLType.F32, [s.N, 1]);
    for (const layout of LAYOUTS)
      withLayout(layout, () =>
        expect(() => ops.matmul(y, Tensor.from(GGMLType.TQ2_0, [s.K, s.N], bytes), Tensor.fromFloat32([s.K, 1], activations(s.K, 1, 1))))
          .toThrow(/row 1699, column 3/));
  });

  it("selection runs for decode and prefill token counts and leaves the thread count alone", () => {
    const before = getThreads();
    setThreads(2);
    try {
      const c = makeCase(TYPES[2], { K: 512, N: 48, n: 128 }, 7, false);
      for (const layout of LAYOUTS) expect(maxRelError(run(null, c, layout), c.want)).toBeLessThan(2e-6);
    } finally {
      setThreads(before);
    }
  });

  it("prefill runs on AMX tiles where the CPU and OS allow them; RYZEN_AMX=0 keeps the vector kernel", () => {
    // the kernel a 32-token I2_S matmul selects, from the profiler's label, in a fresh process
    const index = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const script = `import(${JSON.stringify(index)}).then((k) => {
      const K = 256, N = 64, n = 32;
      const W = k.Tensor.from(k.GGMLType.I2_S, [K, N], k.quantize(k.GGMLType.I2_S, new Float32Array(K * N).fill(1), N, K));
      const y = k.Tensor.empty(k.GGMLType.F32, [N, n]);
      const plan = new k.Plan([k.nodes.matmul(y, W, k.Tensor.fromFloat32([K, n], new Float32Array(K * n).fill(1)))]);
      k.setProfiling(true);
      plan.run();
      const label = k.profileStats().find((e) => e.op === "matmul" && e.calls > 0 && !e.label.includes(" acts")).label;
      console.log(JSON.stringify({ amx: k.cpuInfo().amx, label, y0: y.f32()[0] }));
    })`;
    const { RYZEN_AMX: _, RYZEN_TERNARY_KERNEL: __, RYZEN_ISA: ___, ...env } = process.env; // the best ISA's choice
    const under = (extra: NodeJS.ProcessEnv) => {
      const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { env: { ...env, ...extra }, encoding: "utf8" });
      return JSON.parse(out.trim().split("\n").at(-1)!) as { amx: boolean; label: string; y0: number };
    };
    const byDefault = under({}), off = under({ RYZEN_AMX: "0" });
    const best = cpuInfo().best;
    // Linux grants the tile state wherever the CPU has AMX-INT8 (kernel 5.16 and later)
    expect(byDefault.amx).toBe(best === "avx512" && cpuInfo().features.amxInt8 === true);
    // without AMX tiles, the vector kernel of the layout then chosen (T2 on AVX2 and Intel's AVX-512)
    const vector = defaultLayout(best, false) === "t2" ? `i2_s.t2.${best}` : `i2_s.mad.${best}`;
    expect(byDefault.label).toContain(byDefault.amx ? "i2_s.t2amx.avx512" : vector);
    expect(off.amx).toBe(false);
    expect(off.label).toContain(vector);
    expect(byDefault.y0).toBeCloseTo(256, 3); // all weights and activations 1
    expect(off.y0).toBe(byDefault.y0);
  });

  it("weights are prepared in T2 on AVX2 and AVX-512 (T3 on AMD without AMX tiles and on scalar); a kernel refuses the other layout", () => {
    const bytes = quantize(GGMLType.TQ2_0, weights(512, 20, 5, false), 20, 512);
    const layoutUnder = (isa: "scalar" | "avx2" | "avx512", env?: "t2" | "t3") => {
      const prev = cpuInfo().isa;
      try {
        setIsa(isa);
        const w = withLayout(env, () => Tensor.from(GGMLType.TQ2_0, [512, 20], bytes).prepare());
        const ks = matmulKernels(GGMLType.TQ2_0, w);
        return ks.every((k) => k.includes(".t2")) ? "t2" : ks.every((k) => !k.includes(".t2")) ? "t3" : "mixed";
      } finally {
        setIsa(prev);
      }
    };
    const have = cpuInfo().available;
    expect(layoutUnder("scalar")).toBe("t3");
    expect(layoutUnder("scalar", "t2")).toBe("t2");
    if (have.includes("avx2")) {
      expect(layoutUnder("avx2")).toBe("t2");
      expect(layoutUnder("avx2", "t3")).toBe("t3");
    }
    if (have.includes("avx512")) {
      expect(layoutUnder("avx512")).toBe(defaultLayout("avx512"));
      expect(layoutUnder("avx512", "t3")).toBe("t3");
    }
    const c = makeCase(TYPES[1], { K: 512, N: 20, n: 1 }, 5, false);
    const y = Tensor.empty(GGMLType.F32, [20, 1]);
    expect(() => matmulWith("tq2_0.mad.scalar", y, c.W.t2, c.X)).toThrow(/another layout/);
    expect(() => matmulWith("tq2_0.t2.scalar", y, c.W.t3, c.X)).toThrow(/another layout/);
  });
});
