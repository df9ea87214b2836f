// Matmul of the non-ternary weight formats (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K) on every ISA
// path and 1/2 threads, each listed kernel forced through matmulWith, against a float64 reference
// over the weights as llama.cpp's dequantizer decodes them (TS ports in quant-ref.ts) and, for the
// integer kernels, the activations as the A32/A256 quantizer rounds them. Plus get_rows decoding,
// thread/batch determinism and preparation errors. Q8_0, Q4_0, Q4_K and Q6_K run in both their matmul
// layouts: llama.cpp's blocks as on disk ("gguf") and the 16-row tiles they are repacked into on
// SIMD paths ("x16"), each prepared explicitly through RYZEN_<TYPE>_LAYOUT.
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, cpuInfo, matmulKernels, matmulWith, ops, quantize, runOp, setIsa, setThreads, getThreads } from "../src/index";
import { withEnv } from "./helpers/env";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";
import { randomFloats } from "./helpers/rng";
import { REF, bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, quantizeActs } from "./quant-ref";

interface Format {
  name: string;
  type: number;
  block: number;     // K must be a multiple of this
  actBlock: number;  // activation quantization block of the integer kernels (0: f32 activations)
  encode: (w: Float32Array) => Uint8Array;
  decode: (b: Uint8Array) => Float32Array;
  layouts: (string | undefined)[];  // values of layoutEnv to prepare the weights in (undefined: default)
  layoutEnv?: string;
}

const halfs = (w: Float32Array, enc: (v: number) => number) => {
  const u = new Uint16Array(w.length);
  w.forEach((v, k) => (u[k] = enc(v)));
  return new Uint8Array(u.buffer);
};
const fromHalfs = (b: Uint8Array, dec: (h: number) => number) =>
  Float32Array.from(new Uint16Array(b.buffer, b.byteOffset, b.length / 2), dec);

const DEFAULT = [undefined];
// The formats with an x16 engine layout, and the variable that forces their layout.
const X16_ENV: Record<number, string> = {
  [GGMLType.Q8_0]: "RYZEN_Q8_0_LAYOUT",
  [GGMLType.Q4_0]: "RYZEN_Q4_0_LAYOUT",
  [GGMLType.Q4_K]: "RYZEN_Q4_K_LAYOUT",
  [GGMLType.Q6_K]: "RYZEN_Q6_K_LAYOUT",
};
const FORMATS: Format[] = [
  { name: "f32", type: GGMLType.F32, block: 1, actBlock: 0, encode: (w) => new Uint8Array(w.slice().buffer), decode: (b) => new Float32Array(b.slice().buffer), layouts: DEFAULT },
  { name: "f16", type: GGMLType.F16, block: 1, actBlock: 0, encode: (w) => halfs(w, f32ToF16), decode: (b) => fromHalfs(b, f16ToF32), layouts: DEFAULT },
  { name: "bf16", type: GGMLType.BF16, block: 1, actBlock: 0, encode: (w) => halfs(w, f32ToBf16), decode: (b) => fromHalfs(b, bf16ToF32), layouts: DEFAULT },
  ...[GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q6_K].map((type) => ({
    name: ["q8_0", "q4_0", "q4_K", "q6_K"][[GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q6_K].indexOf(type)],
    type,
    block: REF[type].block,
    actBlock: REF[type].block,
    encode: REF[type].quantize,
    decode: REF[type].dequantize,
    ...(X16_ENV[type] ? { layouts: ["gguf", "x16"], layoutEnv: X16_ENV[type] } : { layouts: DEFAULT }),
  })),
];

/** Weights prepared now in each of the format's layouts. */
function preparedLayouts(fmt: Format, K: number, N: number, bytes: Uint8Array): [string, Tensor][] {
  const prepare = () => Tensor.from(fmt.type, [K, N], bytes).prepare();
  return fmt.layouts.map((l) => [l ?? "default", fmt.layoutEnv ? withEnv(fmt.layoutEnv, l, prepare) : prepare()]);
}

// K: one block, odd block counts, a non-multiple of every SIMD width for the float formats.
function shapesFor(fmt: Format) {
  const Ks = fmt.block === 1 ? [1, 37, 100, 257] : fmt.block === 32 ? [32, 96, 160] : [256, 768];
  const out: { K: number; N: number; n: number }[] = [];
  // n = 11 covers a full 8-token AVX-512 tile plus a 3-token tail (4+4+3 on AVX2); N = 37 spans
  // two 16-row blocks plus a tail
  for (const K of Ks) for (const [N, n] of [[1, 1], [7, 1], [13, 3], [5, 6], [3, 11], [37, 9]]) out.push({ K, N, n });
  return out;
}

/** Reference outputs and, per output, the sum of |products| (the scale rounding errors live on). */
function reference(fmt: Format, wq: Float32Array, x: Float32Array, K: number, N: number, n: number) {
  const xa = fmt.actBlock ? quantizeActs(x, fmt.actBlock) : Float64Array.from(x);
  const y = new Float64Array(N * n), mag = new Float64Array(N * n);
  for (let t = 0; t < n; t++)
    for (let r = 0; r < N; r++) {
      let s = 0, m = 0;
      for (let k = 0; k < K; k++) (s += wq[r * K + k] * xa[t * K + k]), (m += Math.abs(wq[r * K + k] * xa[t * K + k]));
      y[t * N + r] = s;
      mag[t * N + r] = m;
    }
  return { y, mag };
}

/** Largest |got - want| relative to the largest sum of |products| (so cancellation to a tiny
 * output does not inflate the error of a correct kernel). */
function scaledError(got: Float32Array, want: { y: Float64Array; mag: Float64Array }): number {
  let err = 0, scale = 1e-30;
  for (let k = 0; k < got.length; k++) {
    err = Math.max(err, Math.abs(got[k] - want.y[k]));
    scale = Math.max(scale, want.mag[k]);
  }
  return err / scale;
}

function makeCase(fmt: Format, K: number, N: number, n: number, seed: number) {
  const wf = randomFloats(K * N, seed);
  const bytes = fmt.encode(wf);
  const x = randomFloats(K * n, seed + 1);
  return {
    W: preparedLayouts(fmt, K, N, bytes),
    X: Tensor.fromFloat32([K, n], x),
    want: reference(fmt, fmt.decode(bytes), x, K, N, n),
  };
}

// Tolerance: the reference uses exactly the values the kernel multiplies (decoded weights,
// rounded activations), so what remains is float32 rounding in the accumulation and in the
// products of per-block scales, bounded by ~K * 2^-24 * sum|products| (K <= 768: 4.6e-5 worst
// case, ~sqrt(K) * 2^-24 = 1.7e-6 typical). 1e-5 sits between that and the >= 1e-3 any wrong
// code, scale, offset or skipped block produces.
const TOL = 1e-5;

describe("matmul per weight format", () => {
  for (const fmt of FORMATS) {
    it(`${fmt.name}: op and every listed kernel match the reference on every ISA and thread count`, () => {
      const cases = shapesFor(fmt).map((s, k) => ({ ...s, ...makeCase(fmt, s.K, s.N, s.n, 500 + k * 13) }));
      let checks = 0;
      forEachIsaAndThreads(({ isa }) => {
        expect(matmulKernels(fmt.type)).toContain(`${fmt.name}.${isa}`);
        for (const c of cases) {
          for (const [layout, W] of c.W) {
            const what = `${layout} ${JSON.stringify({ K: c.K, N: c.N, n: c.n })}`;
            const y = Tensor.empty(GGMLType.F32, [c.N, c.n]);
            ops.matmul(y, W, c.X);
            expect(scaledError(y.f32(), c.want), `op ${what}`).toBeLessThan(TOL);
            for (const kernel of matmulKernels(fmt.type, W)) {
              const yk = Tensor.empty(GGMLType.F32, [c.N, c.n]);
              matmulWith(kernel, yk, W, c.X);
              expect(scaledError(yk.f32(), c.want), `${kernel} ${what}`).toBeLessThan(TOL);
              checks++;
            }
          }
        }
      });
      expect(checks).toBeGreaterThan(0);
    });
  }
});

describe("integer kernels are deterministic", () => {
  it("give bit-identical results for 1 and 2 threads and for a token alone or inside a batch", () => {
    const prev = getThreads();
    try {
      for (const fmt of FORMATS.filter((f) => f.actBlock)) {
        const K = fmt.block * 3, N = 37, n = 6;
        const { W: layouts, X } = makeCase(fmt, K, N, n, 99);
        for (const [, W] of layouts) forEachIsaAndThreads(() => {
          const run = (threads: number) => {
            setThreads(threads);
            const y = Tensor.empty(GGMLType.F32, [N, n]);
            ops.matmul(y, W, X);
            return Array.from(y.f32());
          };
          const one = run(1), two = run(2);
          expect(two).toEqual(one);
          // token 5 alone (a 1-token tile) vs inside the 4+2 tiling of the batch
          const y5 = Tensor.empty(GGMLType.F32, [N, 1]);
          ops.matmul(y5, W, X.rows(5, 1));
          expect(Array.from(y5.f32())).toEqual(one.slice(5 * N, 6 * N));
        });
      }
    } finally {
      setThreads(prev);
    }
  });
});

// Formats with an x16 engine layout beside llama.cpp's blocks ("gguf"), and a worst-case block:
// every code 15 with the largest scales (the weight value `w`), for the overflow test.
const X16_FORMATS = [
  {
    name: "q8_0", type: GGMLType.Q8_0, env: "RYZEN_Q8_0_LAYOUT", block: 32, x16From: ["avx2", "avx512"],
    worstBlock: () => Uint8Array.from({ length: 34 }, (_, k) => (k === 0 ? 0x00 : k === 1 ? 0x3c : 0x80)), // d = 1, codes -128
    w: -128,
  },
  {
    name: "q4_0", type: GGMLType.Q4_0, env: "RYZEN_Q4_0_LAYOUT", block: 32, x16From: ["avx2", "avx512"],
    worstBlock: () => Uint8Array.from({ length: 18 }, (_, k) => (k === 0 ? 0x00 : k === 1 ? 0x3c : 0xff)), // d = 1
    w: 7, // codes 15 - 8
  },
  {
    name: "q4_K", type: GGMLType.Q4_K, env: "RYZEN_Q4_K_LAYOUT", block: 256, x16From: ["avx2", "avx512"],
    // d = dmin = 1, every 6-bit scale and min 63, every code 15: 63 * 15 - 63
    worstBlock: () => Uint8Array.from({ length: 144 }, (_, k) => (k === 0 || k === 2 ? 0x00 : k === 1 || k === 3 ? 0x3c : 0xff)),
    w: 882,
  },
  {
    name: "q6_K", type: GGMLType.Q6_K, env: "RYZEN_Q6_K_LAYOUT", block: 256, x16From: ["avx2", "avx512"],
    // every code 63 (q - 32 = 31), every sub-scale 127, d = 1
    worstBlock: () => Uint8Array.from({ length: 210 }, (_, k) => (k < 192 ? 0xff : k < 208 ? 0x7f : k === 208 ? 0x00 : 0x3c)),
    w: 31 * 127,
  },
];

describe.each(X16_FORMATS)("$name layouts", (f) => {
  const K = 3 * f.block, N = 37, n = 5;
  const bytes = REF[f.type].quantize(randomFloats(K * N, 7));
  const X = Tensor.fromFloat32([K, n], randomFloats(K * n, 8));
  const prepared = (layout: string | undefined, b = bytes, k = K, rows = N) =>
    withEnv(f.env, layout, () => Tensor.from(f.type, [k, rows], b).prepare());

  it("the default follows the active ISA", () => {
    const prevIsa = cpuInfo().isa;
    try {
      for (const isa of cpuInfo().available) {
        setIsa(isa);
        const kernels = matmulKernels(f.type, prepared(undefined));
        expect(kernels[0], isa).toBe(f.x16From.includes(isa) ? `${f.name}.x16.${isa}` : `${f.name}.${isa}`);
      }
    } finally {
      setIsa(prevIsa);
    }
  });

  it("each kernel refuses weights prepared in the other layout", () => {
    const gguf = prepared("gguf"), x16 = prepared("x16");
    expect(matmulKernels(f.type, x16).every((k) => k.startsWith(`${f.name}.x16.`))).toBe(true);
    expect(matmulKernels(f.type, gguf).some((k) => k.includes("x16"))).toBe(false);
    const y = Tensor.empty(GGMLType.F32, [N, n]);
    expectKernelError(() => matmulWith(`${f.name}.scalar`, y, x16, X), "INVALID_ARGUMENT", /another layout/);
    expectKernelError(() => matmulWith(`${f.name}.x16.scalar`, y, gguf, X), "INVALID_ARGUMENT", /another layout/);
  });

  it("no intermediate overflows in the worst case: every code at its largest, largest scales, activations ±127, K = 16384", () => {
    // AVX2 Q4_0 / Q4_K keep 16 products per int16 lane (16 * 15 * 127 = 30480 < 2^15), Q6_K 4
    // (4 * 63 * 127 = 32004)
    const K2 = 16384, N2 = 16, block = f.worstBlock();
    const w = new Uint8Array((K2 / f.block) * block.length * N2);
    for (let o = 0; o < w.length; o += block.length) w.set(block, o);
    for (const sign of [1, -1]) {
      const x = Tensor.fromFloat32([K2, 2], new Float32Array(2 * K2).fill(sign));
      for (const layout of ["gguf", "x16"]) {
        const W = prepared(layout, w, K2, N2);
        for (const kernel of matmulKernels(f.type, W)) {
          const y = Tensor.empty(GGMLType.F32, [N2, 2]);
          matmulWith(kernel, y, W, x);
          for (const v of y.f32()) expect(Math.abs(v - sign * f.w * K2), `${kernel} sign ${sign}`).toBeLessThan(1e-4 * Math.abs(f.w) * K2);
        }
      }
    }
  });

  it("get_rows on x16 weights (a tied embedding) decodes the on-disk values bit for bit", () => {
    const ids = Tensor.from(GGMLType.I32, [5], new Int32Array([0, 15, 16, 36, 7]));
    const rowsOf = (table: Tensor) => {
      const out = Tensor.empty(GGMLType.F32, [K, 5]);
      runOp("get_rows", [out, table, ids]);
      return Array.from(out.f32());
    };
    const want = rowsOf(Tensor.from(f.type, [K, N], bytes)); // not prepared: the reference dequantizer
    expect(rowsOf(prepared("x16"))).toEqual(want);
    expect(want.some((v) => v !== 0)).toBe(true);
  });

  it("a tensor big enough to repack on several threads decodes every row bit for bit (last tile partial)", () => {
    // 4100 x 2048 = 8.4M weights: the repack splits at ~4M weights per thread
    const K2 = 2048, N2 = 4100;
    const big = quantize(f.type, randomFloats(K2 * N2, 9), N2, K2);
    const ids = Tensor.from(GGMLType.I32, [N2], Int32Array.from({ length: N2 }, (_, r) => r));
    const rowsOf = (table: Tensor) => {
      const out = Tensor.empty(GGMLType.F32, [K2, N2]);
      runOp("get_rows", [out, table, ids]);
      return out.f32();
    };
    const want = rowsOf(Tensor.from(f.type, [K2, N2], big)), got = rowsOf(prepared("x16", big, K2, N2));
    let mismatches = 0;
    for (let k = 0; k < want.length; k++) if (!Object.is(got[k], want[k])) mismatches++;
    expect(mismatches).toBe(0);
    expect(want.some((v) => v !== 0)).toBe(true);
  });

  it("a long batch runs in token panels: every token as computed alone, and as the reference", () => {
    // K = 2560: ~3 KB of activations per token, so 260 tokens run as two panels (0..131, 132..259)
    const K2 = 2560, N2 = 20, n2 = 260;
    const fmt = FORMATS.find((x) => x.type === f.type)!;
    const c = makeCase(fmt, K2, N2, n2, 31);
    const W = c.W.find(([layout]) => layout === "x16")![1];
    forEachIsaAndThreads(() => {
      for (const kernel of matmulKernels(f.type, W)) {
        const y = Tensor.empty(GGMLType.F32, [N2, n2]);
        matmulWith(kernel, y, W, c.X);
        expect(scaledError(y.f32(), c.want), kernel).toBeLessThan(TOL);
        for (const t of [0, 131, 132, 133, 259]) {
          const one = Tensor.empty(GGMLType.F32, [N2, 1]);
          matmulWith(kernel, one, W, c.X.rows(t, 1));
          expect(Array.from(y.f32().subarray(t * N2, (t + 1) * N2)), `${kernel} token ${t}`).toEqual(Array.from(one.f32()));
        }
      }
    });
  });

  it("the x16 kernels of every ISA give the same bits (same operations in the same order)", () => {
    const x16 = prepared("x16");
    const outs = matmulKernels(f.type, x16).map((k) => {
      const y = Tensor.empty(GGMLType.F32, [N, n]);
      matmulWith(k, y, x16, X);
      return Array.from(y.f32());
    });
    // matmulKernels lists the active ISA's kernels and those below it (RYZEN_ISA may narrow it)
    const active = cpuInfo().available.slice(0, cpuInfo().available.indexOf(cpuInfo().isa) + 1);
    expect(outs.length).toBe(1 + f.x16From.filter((i) => active.includes(i as never)).length);
    for (const o of outs) expect(o).toEqual(outs[0]);
  });
});

describe("get_rows decodes every format like the reference dequantizer", () => {
  it("embedding rows of every format", () => {
    for (const fmt of FORMATS) {
      const K = fmt.block === 1 ? 19 : fmt.block * 2, V = 9;
      const bytes = fmt.encode(randomFloats(K * V, 3));
      const table = Tensor.from(fmt.type, [K, V], bytes);
      const ids = Tensor.from(GGMLType.I32, [3], new Int32Array([8, 0, 4]));
      const out = Tensor.empty(GGMLType.F32, [K, 3]);
      ops.getRows(out, table, ids);
      const dec = fmt.decode(bytes);
      const want = [8, 0, 4].flatMap((r) => Array.from(dec.subarray(r * K, r * K + K)));
      expect(Array.from(out.f32()), fmt.name).toEqual(want);
    }
  });
});

describe("weight preparation errors", () => {
  it("rejects K that is not a multiple of the block and short buffers", () => {
    const X = Tensor.empty(GGMLType.F32, [48, 1]);
    const y = Tensor.empty(GGMLType.F32, [2, 1]);
    expectKernelError(() => Tensor.from(GGMLType.Q8_0, [48, 2], new Uint8Array(2 * 51)), "INVALID_ARGUMENT", /multiple/);
    expectKernelError(() => Tensor.from(GGMLType.Q6_K, [256, 2], new Uint8Array(210)), "INVALID_ARGUMENT");
    const W = Tensor.from(GGMLType.Q8_0, [64, 2], quantize(GGMLType.Q8_0, randomFloats(128, 1), 2, 64));
    expectKernelError(() => ops.matmul(y, W, X), "SHAPE_MISMATCH");
  });
});
