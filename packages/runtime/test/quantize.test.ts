import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AbortError } from "../src/errors.js";
import { readGGUF, readGGUFFromBytes, type GGUFFile } from "../src/gguf/index.js";
import { dequantizeTensor, quantizeModel, quantizeTensor, type QuantType } from "../src/quantize/index.js";
import { STORIES, TERNARY_DIMS, f32Of, lcg, storiesAs, storiesBytes, ternaryLlama } from "./quantize-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-quantize-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Largest |x - x̂| allowed per block, as a fraction of the block's largest |x|.
 *  q8_0: d = amax/127 stored as f16, so |err| <= d/2 + 127·d·2^-11 = amax·(1/254 + 1/2048) < amax/200.
 *  q4_0: d = (signed max)/-8; codes 0..15, so the value opposite the max can clamp at 7·|d|:
 *        |err| <= |d| = amax/8, plus the f16 rounding of d (8·d·2^-11) -> amax/7.
 *  q6_K: 6-bit codes under a per-16 scale (~amax_sub/32), itself an 8-bit fraction of the
 *        super-block scale: half a step of the largest sub-block (amax/64) plus the 8-bit scale
 *        rounding times up to 32 codes (amax/256·... ) stays under amax/32.
 *  q4_K: 4-bit codes with a per-32 min and scale (6-bit each) over a 256 super-block:
 *        half a step is (range/15)/2 <= amax/15; scale/min rounding adds at most as much -> amax/7.
 *  tq1_0/tq2_0 on ternary input {-a,0,a}: codes are exact, d = a stored as f16 -> a·2^-11; use 2^-10. */
const BLOCK_BOUND: Record<string, [block: number, fraction: number]> = {
  q8_0: [32, 1 / 200], q4_0: [32, 1 / 7], q6_K: [256, 1 / 32], q4_K: [256, 1 / 7], tq1_0: [256, 2 ** -10], tq2_0: [256, 2 ** -10],
};

/** Worst |x - x̂| / bound over the tensor (must be <= 1). */
function worstRatio(type: string, src: Float32Array, deq: Float32Array, cols: number): number {
  expect(deq.length).toBe(src.length);
  let worst = 0;
  if (type === "f32") {
    for (let i = 0; i < src.length; i++) if (src[i] !== deq[i]) return Infinity;
    return 0;
  }
  if (type === "f16") {
    // round to nearest: half an f16 ulp (2^-11 relative), or half the smallest subnormal
    for (let i = 0; i < src.length; i++) worst = Math.max(worst, Math.abs(src[i] - deq[i]) / (Math.abs(src[i]) * 2 ** -11 + 2 ** -25));
    return worst;
  }
  const [block, fraction] = BLOCK_BOUND[type];
  for (let row = 0; row < src.length / cols; row++) {
    for (let b = 0; b < cols; b += block) {
      const at = row * cols + b;
      let amax = 0;
      for (let i = 0; i < block; i++) amax = Math.max(amax, Math.abs(src[at + i]));
      const bound = amax * fraction + 1e-30;
      for (let i = 0; i < block; i++) worst = Math.max(worst, Math.abs(src[at + i] - deq[at + i]) / bound);
    }
  }
  return worst;
}

/** BitNet's absmean rule, written plainly: γ = max(mean|w|, 1e-5), w_q = clamp(round(w/γ), -1, 1)·γ. */
function absmeanReference(src: Float32Array): Float32Array {
  let sum = 0;
  for (const x of src) sum += Math.abs(x);
  const gamma = Math.max(sum / src.length, 1e-5);
  return src.map((x) => {
    const r = x / gamma;
    let q = Math.round(r);
    if (Math.abs(r % 1) === 0.5) q = 2 * Math.round(r / 2); // ties to even
    return Math.max(-1, Math.min(1, q)) * gamma;
  });
}

function outTensor(bytes: Uint8Array, f: GGUFFile, name: string) {
  const t = f.tensor(name)!;
  return { t, data: bytes.subarray(t.offset, t.offset + t.bytes) };
}

/** Checks every tensor of `outPath` against the F32 source; returns the worst ratio per type. */
function checkAgainstSource(srcBytes: Uint8Array, outPath: string) {
  const src = readGGUFFromBytes(srcBytes);
  const outBytes = new Uint8Array(readFileSync(outPath));
  const out = readGGUFFromBytes(outBytes);
  expect(out.tensors.map((t) => t.name).sort()).toEqual(src.tensors.map((t) => t.name).sort());
  const worst: Record<string, number> = {};
  for (const s of src.tensors) {
    const { t, data } = outTensor(outBytes, out, s.name);
    expect(t.shape).toEqual(s.shape);
    const x = f32Of(srcBytes, s);
    const xhat = dequantizeTensor(t.type, data, t.shape);
    const r = t.typeName === "i2_s" ? worstI2S(x, xhat) : worstRatio(t.typeName, x, xhat, t.shape[0]);
    expect(r, `${s.name} as ${t.typeName}`).toBeLessThanOrEqual(1);
    worst[t.typeName] = Math.max(worst[t.typeName] ?? 0, r);
  }
  return { out, worst };
}

/** i2_s of already-ternary weights: the codes must be the sign pattern and one scale must serve
 *  the whole tensor (the scale's value is checked separately: see the i2_s tests below). */
function worstI2S(x: Float32Array, xhat: Float32Array): number {
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    if (Math.sign(xhat[i]) !== Math.sign(x[i])) return Infinity;
    if (xhat[i] !== 0) {
      if (scale === 0) scale = Math.abs(xhat[i]);
      else if (Math.abs(xhat[i]) !== scale) return Infinity;
    }
  }
  return 0;
}

describe("quantizeModel on stories260K", () => {
  const expectedTypes: Record<string, (name: string) => string> = {
    // 2-D weights with 64-wide rows quantize; ffn_down's 172-wide rows fit no 32-block: f16
    q8_0: (n) => (n.includes("norm") ? "f32" : n.includes("ffn_down") ? "f16" : "q8_0"),
    q4_0: (n) => (n.includes("norm") ? "f32" : n.includes("ffn_down") ? "f16" : n === "output.weight" ? "q8_0" : "q4_0"),
    // 64-wide rows fit no 256-block: ternary falls back to q4_0, the head and embedding to q8_0
    tq2_0: (n) => (n.includes("norm") ? "f32" : n.includes("ffn_down") ? "f16" : n === "output.weight" || n === "token_embd.weight" ? "q8_0" : "q4_0"),
  };
  const fileType: Record<string, number> = { q8_0: 7, q4_0: 2, tq2_0: 37 };

  for (const type of ["q8_0", "q4_0", "tq2_0"] as const) {
    it(`${type}: types by llama.cpp's rules, metadata kept, every tensor close to the source`, async () => {
      const outPath = join(dir, `stories.${type}.gguf`);
      const progress: [number, number, string][] = [];
      const res = await quantizeModel(STORIES, outPath, { type, onProgress: (d, n, name) => progress.push([d, n, name]) });
      const srcBytes = storiesBytes();
      const { out, worst } = checkAgainstSource(srcBytes, outPath);
      for (const t of out.tensors) expect(t.typeName, t.name).toBe(expectedTypes[type](t.name));

      const src = readGGUFFromBytes(srcBytes);
      expect([...out.metadata.keys()]).toEqual([...src.metadata.keys(), "general.quantization_version", "general.file_type"]);
      for (const [k, v] of src.metadata) expect(out.get(k), k).toEqual(v);
      expect(out.get("general.file_type")).toBe(fileType[type]);
      expect(out.get("general.quantization_version")).toBe(2);
      // llama-quantize's order: non-block tensors by name, then blocks in order
      expect(out.tensors.slice(0, 3).map((t) => t.name)).toEqual(["output.weight", "output_norm.weight", "token_embd.weight"]);
      expect(out.tensors[3].name).toBe("blk.0.attn_k.weight");

      expect(progress.map((p) => p[0])).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
      expect(new Set(progress.map((p) => p[1]))).toEqual(new Set([48]));
      expect(progress.map((p) => p[2])).toEqual(out.tensors.map((t) => t.name));
      expect(res.inBytes).toBe(292800 * 4);
      expect(res.outBytes).toBe(out.tensors.reduce((a, t) => a + t.bytes, 0));
      expect(res.tensors.find((t) => t.name === "blk.0.ffn_down.weight")?.note).toMatch(/172/);
      console.log(`stories260K -> ${type}: ${res.inBytes} -> ${res.outBytes} bytes; worst error / bound per type:`, worst);
    });
  }

  it("chunking does not change the output; the result does not depend on the chunk size", async () => {
    const a = join(dir, "chunk-a.gguf");
    const b = join(dir, "chunk-b.gguf");
    await quantizeModel(STORIES, a, { type: "q4_0" });
    await quantizeModel(STORIES, b, { type: "q4_0", chunkElements: 100 });
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
  });

  it("F16 and BF16 sources convert like their f32 values do", async () => {
    for (const srcType of [1, 30] as const) {
      const srcPath = join(dir, `stories.src${srcType}.gguf`);
      const srcBytes = storiesAs(srcType);
      writeFileSync(srcPath, srcBytes);
      const outPath = join(dir, `stories.src${srcType}.q8_0.gguf`);
      await quantizeModel(srcPath, outPath, { type: "q8_0" });
      const outBytes = new Uint8Array(readFileSync(outPath));
      const out = readGGUFFromBytes(outBytes);
      const src = readGGUFFromBytes(srcBytes);
      for (const s of src.tensors) {
        const { t, data } = outTensor(outBytes, out, s.name);
        const values = dequantizeTensor(s.type, srcBytes.subarray(s.offset, s.offset + s.bytes), s.shape);
        const expected = t.type === s.type ? srcBytes.subarray(s.offset, s.offset + s.bytes) : quantizeTensor(t.type, values, s.shape);
        expect(Buffer.compare(data, expected), s.name).toBe(0);
      }
    }
  });

  it("abort stops it without leaving an output file; same path in and out is refused", async () => {
    const ac = new AbortController();
    const outPath = join(dir, "aborted.gguf");
    const p = quantizeModel(STORIES, outPath, { type: "q8_0", signal: ac.signal, onProgress: (d) => d === 3 && ac.abort() });
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(existsSync(outPath)).toBe(false);
    await expect(quantizeModel(STORIES, STORIES, { type: "q8_0" })).rejects.toThrow(/must differ/);
  });
});

describe("quantizeModel on a ternary-weight llama model", () => {
  const srcPath = join(dir, "ternary.f32.gguf");
  const srcBytes = ternaryLlama();
  writeFileSync(srcPath, srcBytes);
  const fileType: Record<QuantType, number> = { q8_0: 7, q4_0: 2, q6_k: 18, tq1_0: 36, tq2_0: 37, i2_s: 40 };
  const projType: Record<QuantType, string> = { q8_0: "q8_0", q4_0: "q4_0", q6_k: "q6_K", tq1_0: "tq1_0", tq2_0: "tq2_0", i2_s: "i2_s" };
  const embdType: Record<QuantType, string> = { q8_0: "q8_0", q4_0: "q4_0", q6_k: "q6_K", tq1_0: "q4_K", tq2_0: "q4_K", i2_s: "f16" };
  const headType: Record<QuantType, string> = { q8_0: "q8_0", q4_0: "q6_K", q6_k: "q6_K", tq1_0: "q6_K", tq2_0: "q6_K", i2_s: "f16" };

  for (const type of Object.keys(fileType) as QuantType[]) {
    it(`${type}: projections become ${projType[type]} and dequantize within the type's bound`, async () => {
      const outPath = join(dir, `ternary.${type}.gguf`);
      await quantizeModel(srcPath, outPath, { type });
      const { out, worst } = checkAgainstSource(srcBytes, outPath);
      expect(out.get("general.file_type")).toBe(fileType[type]);
      for (const t of out.tensors) {
        const want = t.name.includes("norm") ? "f32" : t.name === "token_embd.weight" ? embdType[type] : t.name === "output.weight" ? headType[type] : projType[type];
        expect(t.typeName, t.name).toBe(want);
      }
      console.log(`ternary llama (${TERNARY_DIMS.embd} wide) -> ${type}: worst error / bound per type:`, worst);
    });
  }

  it("outputType overrides the head and embedding types", async () => {
    const outPath = join(dir, "ternary.tq2_0.q8head.gguf");
    await quantizeModel(srcPath, outPath, { type: "tq2_0", outputType: "q8_0" });
    const f = await readGGUF(outPath);
    expect([f.tensor("token_embd.weight")!.typeName, f.tensor("output.weight")!.typeName, f.tensor("blk.1.ffn_up.weight")!.typeName]).toEqual(["q8_0", "q8_0", "tq2_0"]);
  });
});

describe("i2_s scale", () => {
  const shape = [256, 64];
  const rnd = lcg(3);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

  it("latent (non-ternary) weights follow BitNet's absmean rule, as weight_quant + quantize_i2_s do", () => {
    const w = new Float32Array(shape[0] * shape[1]).map(() => normal() * 0.02);
    const got = dequantizeTensor("i2_s", quantizeTensor("i2_s", w, shape), shape);
    const want = absmeanReference(w);
    for (let i = 0; i < w.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(Math.abs(want[i]) * 1e-6);
  });

  // bitnet.cpp's converter writes weight_quant's output (values 0 and ±γ) and its llama-quantize
  // then stores scale = max|w| = γ, reproducing those weights exactly (checked one-off against
  // /tmp/peers/BitNet's llama-quantize: identical codes, scale = max|w|). quantize(I2_S) therefore
  // keeps already-ternary weights instead of re-applying absmean.
  it("already-ternary weights come back exactly, as bitnet.cpp's llama-quantize gives", () => {
    const a = 0.03;
    const w = new Float32Array(shape[0] * shape[1]).map(() => (rnd() < 0.5 ? 0 : rnd() < 0.5 ? -a : a));
    const got = dequantizeTensor("i2_s", quantizeTensor("i2_s", w, shape), shape);
    for (let i = 0; i < w.length; i++) expect(got[i]).toBe(w[i]);
  });
});

describe("quantizeTensor", () => {
  it("takes type names or ids and checks the data against the shape", () => {
    const x = new Float32Array(64).map((_, i) => Math.sin(i));
    expect(Buffer.compare(quantizeTensor("q8_0", x, [32, 2]), quantizeTensor(8, x, [32, 2]))).toBe(0);
    expect(quantizeTensor("f16", x, [64]).byteLength).toBe(128);
    expect(() => quantizeTensor("q8_0", x, [16, 4])).toThrow(/block size/);
    expect(() => quantizeTensor("q8_0", x, [32, 3])).toThrow(/64 values/);
    expect(() => quantizeTensor("q9" as never, x, [64])).toThrow(/unknown tensor type/);
  });
});
