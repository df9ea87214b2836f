// TQ1_0, TQ2_0 and I2_S on-disk formats: native quantize/dequantize bit-exact against the plain
// references in ternary-ref.ts (llama.cpp / bitnet.cpp definitions), hand-built blocks pinning the
// bit order, round trips, and size/content errors.
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, dequantize, matmulKernels, matmulWith, ops, quantize, tensorBytes } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { rng } from "./helpers/rng";
import {
  dequantizeI2s, dequantizeTq1, dequantizeTq2, quantizeI2s, quantizeTq1, quantizeTq2,
} from "./ternary-ref";

const TYPES = [
  { name: "tq1_0", type: GGMLType.TQ1_0, quant: quantizeTq1, dequant: dequantizeTq1 },
  { name: "tq2_0", type: GGMLType.TQ2_0, quant: quantizeTq2, dequant: dequantizeTq2 },
  { name: "i2_s", type: GGMLType.I2_S, quant: quantizeI2s, dequant: dequantizeI2s },
] as const;

/** Inputs that exercise rounding: ternary values with per-block scales, gaussian-ish floats, ties, zeros. */
function inputs(rows: number, cols: number, seed: number): Float32Array[] {
  const r = rng(seed), n = rows * cols;
  const ternary = new Float32Array(n).map((_, k) => (Math.floor(r() * 3) - 1) * (0.25 + Math.floor(k / 256) % 3));
  const floats = new Float32Array(n).map(() => (r() + r() + r() - 1.5) * 2);
  const ties = new Float32Array(n).map((_, k) => [0.5, -0.5, 1, -1, 0, 0.25, 1.5][k % 7]);
  const zeros = new Float32Array(n);
  const oneScale = new Float32Array(n).map(() => (Math.floor(r() * 3) - 1) * 0.03); // {0, +-g}
  return [ternary, floats, ties, zeros, oneScale];
}

describe("ternary formats: native vs reference", () => {
  for (const f of TYPES) {
    it(`${f.name}: quantize and dequantize are bit-exact`, () => {
      for (const [rows, cols] of [[1, 256], [3, 512], [2, 768]]) {
        for (const [i, x] of inputs(rows, cols, 11 + rows).entries()) {
          const got = quantize(f.type, x, rows, cols);
          expect(got.length).toBe(tensorBytes(f.type, [cols, rows]));
          const want = f.quant(x);
          expect(Buffer.from(got).equals(Buffer.from(want)), `${f.name} input ${i} ${rows}x${cols}`).toBe(true);
          expect(Array.from(dequantize(f.type, got, rows, cols))).toEqual(Array.from(f.dequant(want)));
        }
      }
    });

    it(`${f.name}: quantize(dequantize(bytes)) gives the same bytes (already-ternary weights come back exactly)`, () => {
      const rows = 4, cols = 512;
      const bytes = quantize(f.type, inputs(rows, cols, 5)[1], rows, cols);
      const deq = dequantize(f.type, bytes, rows, cols);
      const again = quantize(f.type, deq, rows, cols);
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
      expect(Array.from(dequantize(f.type, again, rows, cols))).toEqual(Array.from(deq));
    });
  }

  it("tq2_0: hand-built block decodes in llama.cpp's order", () => {
    const b = new Uint8Array(66).fill(0x55); // code 1 = 0 everywhere
    b[5] = (2 << 0) | (0 << 2) | (1 << 4) | (2 << 6); // elements 5, 37, 69, 101
    b[32 + 7] = 0x54; // element 128 + 7 = -1 (bits 0-1 code 0), others 0
    b[64] = 0x00; b[65] = 0x40; // d = 2.0
    const y = dequantize(GGMLType.TQ2_0, b, 1, 256);
    const want = new Float32Array(256);
    want[5] = 2; want[37] = -2; want[101] = 2; want[135] = -2;
    expect(Array.from(y)).toEqual(Array.from(want));
  });

  it("tq1_0: hand-built block decodes base-3 digits most significant first", () => {
    const b = new Uint8Array(54).fill(128); // 128 = five digits of 1 (zeros)
    b.fill(127, 48, 52); // 127 = four digits of 1 in the qh bytes
    b[0] = 188; // digits 2,0,1,2,1 -> elements 0, 32, 64, 96, 128 = +1, -1, 0, +1, 0
    b[48 + 1] = 80; // digits 0,2,2,1 -> elements 241, 245, 249, 253 = -1, +1, +1, 0
    b[52] = 0x00; b[53] = 0x3c; // d = 1.0
    const y = dequantize(GGMLType.TQ1_0, b, 1, 256);
    const want = new Float32Array(256);
    want[0] = 1; want[32] = -1; want[96] = 1; want[241] = -1; want[245] = 1; want[249] = 1;
    expect(Array.from(y)).toEqual(Array.from(want));
  });

  it("i2_s: hand-built block (byte j = weights j, 32+j, 64+j, 96+j from the high bits) and f32 tail", () => {
    const b = new Uint8Array(128 / 4 + 32).fill(0x55);
    b.fill(0, 32);
    b[3] = (2 << 6) | (0 << 4) | (1 << 2) | 2; // weights 3, 35, 67, 99 = +1, -1, 0, +1
    new DataView(b.buffer).setFloat32(32, 0.5, true);
    const y = dequantize(GGMLType.I2_S, b, 1, 128);
    const want = new Float32Array(128);
    want[3] = 0.5; want[35] = -0.5; want[99] = 0.5;
    expect(Array.from(y)).toEqual(Array.from(want));
    expect(tensorBytes(GGMLType.I2_S, [128, 1])).toBe(64);
    expect(tensorBytes(GGMLType.I2_S, [2560, 640])).toBe((2560 * 640) / 4 + 32);
  });
});

describe("ternary formats: errors", () => {
  it("rejects byte lengths that do not match the shape", () => {
    for (const f of TYPES) {
      const bytes = new Uint8Array(tensorBytes(f.type, [256, 2]) - 1);
      expectKernelError(() => Tensor.from(f.type, [256, 2], bytes), "INVALID_ARGUMENT");
    }
  });

  it("rejects rows that are not a multiple of the block (256 for TQ, 128 for I2_S)", () => {
    for (const [type, cols] of [[GGMLType.TQ1_0, 300], [GGMLType.TQ2_0, 128], [GGMLType.I2_S, 100]]) {
      expectKernelError(() => tensorBytes(type, [cols, 2]), "INVALID_ARGUMENT", /multiple of the block size/);
      expectKernelError(() => quantize(type, new Float32Array(2 * cols), 2, cols), "INVALID_ARGUMENT");
      expectKernelError(() => dequantize(type, new Uint8Array(64), 2, cols), "INVALID_ARGUMENT");
    }
  });

  it("refuses non-ternary 2-bit codes (3) when preparing a matmul, naming the place", () => {
    const K = 256, N = 2;
    const tq2 = quantizeTq2(new Float32Array(K * N));
    tq2[66 + 10] |= 3 << 4; // row 1, element 2*32+10
    const i2s = quantizeI2s(new Float32Array(K * N).fill(1));
    i2s[40] = 0xff; // block 1 (row 0, columns 128..255)
    for (const [type, bytes, where] of [[GGMLType.TQ2_0, tq2, /row 1, column 74/], [GGMLType.I2_S, i2s, /row 0, column 136/]] as const) {
      const w = Tensor.from(type, [K, N], bytes);
      const x = Tensor.fromFloat32([K, 1], new Float32Array(K).fill(1));
      const y = Tensor.empty(GGMLType.F32, [N, 1]);
      expectKernelError(() => ops.matmul(y, w, x), "INVALID_ARGUMENT", where);
      const kernel = matmulKernels(type)[0];
      expectKernelError(() => matmulWith(kernel, y, w, x), "INVALID_ARGUMENT", /not ternary/);
    }
  });
});
