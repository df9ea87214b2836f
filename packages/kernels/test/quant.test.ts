// Quantization of the non-ternary GGUF types: native quantize()/dequantize() against the plain
// TypeScript ports of llama.cpp's reference quantizers in quant-ref.ts (byte-for-byte and
// bit-for-bit), hand-computed blocks, round-trip error bounds and error paths.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GGMLType, dequantize, quantize } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { randomFloats, rng } from "./helpers/rng";
import { REF, bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./quant-ref";

const QTYPES = [
  { name: "q8_0", type: GGMLType.Q8_0 },
  { name: "q4_0", type: GGMLType.Q4_0 },
  { name: "q4_K", type: GGMLType.Q4_K },
  { name: "q6_K", type: GGMLType.Q6_K },
];

/** Inputs that exercise the quantizers' branches: uniform, gaussian-like, outliers, one-signed,
 * constant, all-zero and tiny blocks. */
function inputs(n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const gen = (fn: (k: number) => number) => Float32Array.from({ length: n }, (_, k) => fn(k));
  const gauss = () => (r() + r() + r() + r() - 2) * 1.7;
  return [
    gen(() => r() * 2 - 1),
    gen(() => gauss()),
    gen((k) => (k % 37 === 0 ? 40 * (r() - 0.5) : gauss() * 0.01)),
    gen(() => r() * 3),
    gen(() => -r() * 0.5),
    gen(() => 0.25),
    gen(() => 0),
    gen(() => (r() - 0.5) * 1e-6),
    gen((k) => ((k >> 4) % 3 === 0 ? 0 : gauss())), // zero sub-blocks next to non-zero ones
  ];
}

const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, k) => v === b[k]);
function firstDiff(a: Uint8Array, b: Uint8Array): string {
  const k = a.findIndex((v, i) => v !== b[i]);
  return k < 0 ? "length" : `byte ${k}: ${a[k]} vs ${b[k]}`;
}

describe("quantize matches llama.cpp's reference quantizers bit for bit", () => {
  for (const { name, type } of QTYPES) {
    it(name, () => {
      const { block } = REF[type];
      let cases = 0;
      for (const [rows, blocks] of [[1, 1], [3, 2], [2, 5]]) {
        const cols = blocks * block;
        for (const [k, x] of inputs(rows * cols, 1000 + rows * 7 + blocks).entries()) {
          const got = quantize(type, x, rows, cols);
          const want = REF[type].quantize(x); // rows are independent, so one long row is the same
          expect(bytesEqual(got, want), `${name} input ${k} rows=${rows} cols=${cols}: ${firstDiff(got, want)}`).toBe(true);
          const deq = dequantize(type, got, rows, cols);
          const refDeq = REF[type].dequantize(want);
          expect(Array.from(deq)).toEqual(Array.from(refDeq));
          cases++;
        }
      }
      expect(cases).toBe(27);
    });
  }
});

describe("golden outputs of llama.cpp itself", () => {
  // SHA-256 of llama.cpp's quantize_row_*_ref output for this input, produced by compiling
  // ggml/src/ggml-quants.c of llama.cpp de3ff815 (2026-09-28) with its own flags (-O3, no -march,
  // so no FMA contraction, as in ggml-base) into a small driver that quantizes stdin. They pin the
  // real reference independently of the TypeScript ports above.
  const GOLDEN: [string, number, string][] = [
    ["q8_0", GGMLType.Q8_0, "f6856f3523d5eee3f3201f4a5f2f4fac3e5eccc91a5bb8b7bdac46fa39447bd3"],
    ["q4_0", GGMLType.Q4_0, "86f36356e59d61aea01184651dd035f32885a3899101a966644be11630c5f2dd"],
    ["q4_K", GGMLType.Q4_K, "ef960246a9aa532c90c0aea7641b089612fcc9e80853973f88760250ddcc1191"],
    ["q6_K", GGMLType.Q6_K, "8d4a6b7ffce8c25d186c04b2ecdd996902fcdd9b24f7e7a787822b0eced857f6"],
  ];
  for (const [name, type, sha] of GOLDEN) {
    it(name, () => {
      // 4 rows x 512: uniform [-3, 3), one outlier, one all-zero half row
      const x = randomFloats(4 * 512, 2024, 3);
      x[700] = 40;
      x.fill(0, 1536, 1792);
      const got = quantize(type, x, 4, 512);
      expect(createHash("sha256").update(got).digest("hex")).toBe(sha);
      expect(createHash("sha256").update(REF[type].quantize(x)).digest("hex")).toBe(sha);
    });
  }
});

describe("hand-computed blocks", () => {
  const ramp = Float32Array.from({ length: 32 }, (_, j) => j - 16);

  it("q8_0: d = 16/127 as f16 0x3008, q = round(x * 127/16)", () => {
    const b = quantize(GGMLType.Q8_0, ramp, 1, 32);
    expect(b.length).toBe(34);
    expect([b[0], b[1]]).toEqual([0x08, 0x30]);
    expect((b[2] << 24) >> 24).toBe(-127); // x = -16
    expect(b[2 + 16]).toBe(0); // x = 0
    expect(b[2 + 17]).toBe(8); // 7.9375 -> 8
    expect(b[2 + 31]).toBe(119); // 119.0625 -> 119
    expect((b[2 + 8] << 24) >> 24).toBe(-64); // -63.5 rounds away from zero
    const d = 0.1259765625; // f16 0x3008
    expect(dequantize(GGMLType.Q8_0, b, 1, 32)[31]).toBeCloseTo(119 * d, 6);
  });

  it("q4_0: the largest |x| (-16) sets d = -16/-8 = 2 (f16 0x4000), codes trunc(x/2 + 8.5) clamped to 15", () => {
    const b = quantize(GGMLType.Q4_0, ramp, 1, 32);
    expect(b.length).toBe(18);
    expect([b[0], b[1]]).toEqual([0x00, 0x40]);
    expect(b[2]).toBe(0x80); // x=-16 -> 0, x=0 -> 8
    expect(b[2 + 1]).toBe(0x91); // x=-15 -> trunc(1.0) = 1, x=1 -> trunc(9.0) = 9
    expect(b[2 + 15]).toBe(0xf8); // x=-1 -> 8, x=15 -> trunc(16.0) = 16 clamped to 15
  });

  it("all-zero k-quant blocks encode as zero bytes", () => {
    for (const type of [GGMLType.Q4_K, GGMLType.Q6_K]) {
      const b = quantize(type, new Float32Array(256), 1, 256);
      expect(b.every((v) => v === 0)).toBe(true);
      expect(dequantize(type, b, 1, 256).every((v) => v === 0)).toBe(true);
    }
  });

  it("q6_K dequantizes (ql | qh<<4) - 32 times d * scale", () => {
    const b = new Uint8Array(210);
    b[0] = 0x21; // element 0: low nibble 1; element 64: high nibble 2
    b[128] = 0b11_00_00_01; // qh of l=0: element 0 gets high bits 1, element 96 gets 3
    for (let g = 0; g < 16; g++) b[192 + g] = g === 4 ? 0xfe : 1; // group 4 (elements 64..79) scale -2
    b[208] = 0x00;
    b[209] = 0x3c; // d = 1
    const x = dequantize(GGMLType.Q6_K, b, 1, 256);
    expect(x[0]).toBe(1 + 16 - 32);
    expect(x[64]).toBe(-2 * (2 - 32));
    expect(x[96]).toBe(48 - 32);
    expect(x[1]).toBe(-32);
  });

  it("q4_K dequantizes d*sc*q - dmin*m with 6-bit packed scales", () => {
    const b = new Uint8Array(144);
    b[0] = 0x00; b[1] = 0x3c; // d = 1
    b[2] = 0x00; b[3] = 0x38; // dmin = 0.5
    b[4 + 0] = 3; // sc0 = 3
    b[4 + 4] = 2; // m0 = 2
    b[4 + 8] = 0x15; // sub-block 4: sc low 5, m low 1
    b[4 + 0] |= 1 << 6; // sc4 high bits 01 -> sc4 = 0x15 & 0xf | 1<<4 = 21
    b[16] = 0x07; // element 0 q=7, element 32 q=0
    b[16 + 64] = 0x09; // element 128 (sub-block 4) q=9
    const x = dequantize(GGMLType.Q4_K, b, 1, 256);
    expect(x[0]).toBe(3 * 7 - 0.5 * 2);
    expect(x[128]).toBe(21 * 9 - 0.5 * 1);
  });
});

describe("round trips", () => {
  it("quantize -> dequantize stays within each format's error bound", () => {
    const cols = 512, rows = 3;
    const x = inputs(rows * cols, 77)[1];
    const rel = (type: number) => {
      const y = dequantize(type, quantize(type, x, rows, cols), rows, cols);
      let e2 = 0, x2 = 0;
      for (let k = 0; k < x.length; k++) (e2 += (y[k] - x[k]) ** 2), (x2 += x[k] ** 2);
      return Math.sqrt(e2 / x2);
    };
    // RMS error relative to RMS(x) for gaussian-like data: ~1/(sqrt(12)*levels/range) per format,
    // bounds set ~2x above what the reference quantizers achieve.
    expect(rel(GGMLType.Q8_0)).toBeLessThan(0.01);
    expect(rel(GGMLType.Q6_K)).toBeLessThan(0.03);
    expect(rel(GGMLType.Q4_0)).toBeLessThan(0.12);
    expect(rel(GGMLType.Q4_K)).toBeLessThan(0.1);
    expect(rel(GGMLType.F16)).toBeLessThan(1e-3);
    expect(rel(GGMLType.BF16)).toBeLessThan(5e-3);
    expect(rel(GGMLType.F32)).toBe(0);
  });

  it("q8_0 elements are within half a step (+ the f16 rounding of d) of the input", () => {
    const x = inputs(32 * 8, 5)[0];
    const y = dequantize(GGMLType.Q8_0, quantize(GGMLType.Q8_0, x, 1, x.length), 1, x.length);
    for (let b = 0; b < 8; b++) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
      for (let j = 0; j < 32; j++) expect(Math.abs(y[b * 32 + j] - x[b * 32 + j])).toBeLessThanOrEqual(amax / 254 + amax / 1024);
    }
  });

  it("f16 and bf16 round to nearest even, with overflow to inf and subnormals", () => {
    const vals = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, -65536, 2 ** -25, 3 * 2 ** -25, 2 ** -14, 0.1, -0, 1 / 3, 1e-8];
    const x = Float32Array.from(vals);
    const h = quantize(GGMLType.F16, x, 1, x.length);
    const bits = Array.from({ length: x.length }, (_, k) => h[2 * k] | (h[2 * k + 1] << 8));
    expect(bits.slice(0, 7)).toEqual([0x3c00, 0x3c02, 0x7bff, 0x7c00, 0xfc00, 0x0000, 0x0002]);
    expect(bits).toEqual(Array.from(x, (v) => f32ToF16(v)));
    expect(Array.from(dequantize(GGMLType.F16, h, 1, x.length))).toEqual(bits.map((b) => Math.fround(f16ToF32(b))));

    const bx = Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.0e38, -1.5, 1 / 3]);
    const bb = quantize(GGMLType.BF16, bx, 1, bx.length);
    const bbits = Array.from({ length: bx.length }, (_, k) => bb[2 * k] | (bb[2 * k + 1] << 8));
    expect(bbits.slice(0, 2)).toEqual([0x3f80, 0x3f82]);
    expect(bbits).toEqual(Array.from(bx, (v) => f32ToBf16(v)));
    expect(Array.from(dequantize(GGMLType.BF16, bb, 1, bx.length))).toEqual(bbits.map(bf16ToF32));
  });
});

describe("error paths", () => {
  it("rejects columns that are not a multiple of the block size", () => {
    const x = new Float32Array(48);
    expectKernelError(() => quantize(GGMLType.Q8_0, x, 1, 48), "INVALID_ARGUMENT", /multiple of the block size 32/);
    expectKernelError(() => quantize(GGMLType.Q6_K, new Float32Array(128), 1, 128), "INVALID_ARGUMENT", /256/);
  });

  it("rejects byte arrays of the wrong size", () => {
    expectKernelError(() => dequantize(GGMLType.Q4_K, new Uint8Array(143), 1, 256), "INVALID_ARGUMENT", /144/);
    expectKernelError(() => dequantize(GGMLType.Q8_0, new Uint8Array(34), 2, 32), "INVALID_ARGUMENT");
  });
});
