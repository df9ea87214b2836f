import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MappedFile } from "@ryzen/kernels";
import { afterAll, describe, expect, it } from "vitest";
import { GGUFFormatError, GGUFValueType, GGUFValueType as T, GGUFWriter, mapTensors, readGGUF, readGGUFFromBytes } from "../src/gguf/index.js";

const STORIES = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));
function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}

const dir = mkdtempSync(join(tmpdir(), "ryzen-gguf-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readGGUF on stories260K", () => {
  it("reads the header, metadata and tensor table documented in shared/models/README.md", async () => {
    const f = await readGGUF(STORIES);
    expect(f.version).toBe(3);
    expect(f.metadata.size).toBe(19);
    expect(f.tensors.length).toBe(48);
    expect(f.dataOffset).toBe(14176);
    expect(f.alignment).toBe(32);
    expect(f.fileSize).toBe(1185376);
    expect(f.get("general.architecture")).toBe("llama");
    expect(f.get("llama.feed_forward_length")).toBe(172);
    expect(f.get("tokenizer.ggml.padding_token_id")).toBe(4294967295);
    expect(f.types.get("llama.attention.layer_norm_rms_epsilon")).toBe(GGUFValueType.FLOAT32);
    expect(f.arrayTypes.get("tokenizer.ggml.tokens")).toBe(GGUFValueType.STRING);
    expect((f.get("tokenizer.ggml.tokens") as string[])[3]).toBe("<0x00>");
    // all F32, 292,800 floats, packed back to back from the data offset to the end of the file
    let floats = 0;
    let end = f.dataOffset;
    for (const t of f.tensors) {
      expect(t.type).toBe(0);
      expect(t.typeName).toBe("f32");
      expect(t.offset).toBe(end);
      expect(t.bytes).toBe(t.shape.reduce((a, b) => a * b, 1) * 4);
      floats += t.bytes / 4;
      end += t.bytes;
    }
    expect(floats).toBe(292800);
    expect(end).toBe(f.fileSize);
    expect(f.tensor("token_embd.weight")?.shape).toEqual([64, 512]);
    expect(f.tensor("blk.4.ffn_down.weight")?.shape).toEqual([172, 64]);
    expect(f.tensor("blk.0.attn_k.weight")?.shape).toEqual([64, 32]);
  });

  it("gives the same result from bytes, and when the first read is tiny and has to grow", async () => {
    const bytes = readFileSync(STORIES);
    const a = readGGUFFromBytes(bytes);
    for (const initialReadBytes of [1, 64, 100, 4096, 14000]) {
      const b = await readGGUF(STORIES, { initialReadBytes });
      expect(b.tensors).toEqual(a.tensors);
      expect([...b.metadata.keys()]).toEqual([...a.metadata.keys()]);
      expect(b.get("tokenizer.ggml.scores")).toEqual(a.get("tokenizer.ggml.scores"));
    }
  });

  it("stops growing the first read at maxHeaderBytes", async () => {
    const err = await readGGUF(STORIES, { initialReadBytes: 64, maxHeaderBytes: 4096 }).catch((e) => e);
    expect(err).toBeInstanceOf(GGUFFormatError);
    expect(err.code).toBe("LIMIT");
    expect((await readGGUF(STORIES, { initialReadBytes: 64, maxHeaderBytes: 14176 })).tensors.length).toBe(48);
  });

  it("reads GGUF v2 (same layout as v3)", () => {
    const w = new GGUFWriter().setMetadata("general.architecture", "llama");
    w.addTensor("a", 0, [8, 2], new Float32Array(16).fill(1.5));
    const bytes = w.toBytes();
    new DataView(bytes.buffer).setUint32(4, 2, true);
    const f = readGGUFFromBytes(bytes);
    expect(f.version).toBe(2);
    expect(f.tensors[0]).toMatchObject({ name: "a", shape: [8, 2], bytes: 64 });
    new DataView(bytes.buffer).setUint32(4, 1, true);
    expect(() => readGGUFFromBytes(bytes)).toThrow(expect.objectContaining({ code: "BAD_VERSION" }));
  });

  it("honours general.alignment and rejects bad ones", () => {
    const w = new GGUFWriter().setMetadata("general.alignment", 256);
    w.addTensor("x", 0, [3], new Float32Array([1, 2, 3]));
    w.addTensor("y", 0, [5], new Float32Array(5));
    const f = readGGUFFromBytes(w.toBytes());
    expect(f.alignment).toBe(256);
    expect(f.dataOffset % 256).toBe(0);
    expect(f.tensors.map((t) => t.offset - f.dataOffset)).toEqual([0, 256]);
    const keep = new GGUFWriter().setMetadata("general.alignment", 64);
    expect(() => keep.setMetadata("general.alignment", 48)).toThrow(RangeError);
    expect(() => keep.setMetadata("general.alignment", 64, T.UINT64)).toThrow(RangeError);
    expect(readGGUFFromBytes(keep.toBytes()).alignment).toBe(64); // the bad values were not stored
    // files whose alignment is not a power of two, or not an integer
    const file = new GGUFWriter().setMetadata("general.alignment", 64).toBytes();
    const at = indexOfBytes(file, new TextEncoder().encode("general.alignment")) + "general.alignment".length;
    for (const [tag, value] of [[4, 48], [4, 0], [4, 1 << 20], [6, 0x42000000 /* 32.0f */]]) {
      const bad = file.slice();
      const dv = new DataView(bad.buffer);
      dv.setUint32(at, tag, true);
      dv.setUint32(at + 4, value, true);
      expect(() => readGGUFFromBytes(bad)).toThrow(expect.objectContaining({ code: "BAD_VALUE", key: "general.alignment" }));
    }
  });

  it("reads files on disk that are truncated with a TRUNCATED error naming the file size", async () => {
    const bytes = readFileSync(STORIES);
    for (const cut of [3, 20, 5000, 14100, 14176, 500000, bytes.length - 1]) {
      const p = join(dir, `cut-${cut}.gguf`);
      writeFileSync(p, bytes.subarray(0, cut));
      const err = await readGGUF(p, { initialReadBytes: 64 }).catch((e) => e);
      expect(err).toBeInstanceOf(GGUFFormatError);
      expect(["TRUNCATED", "BAD_MAGIC", "LIMIT"]).toContain(err.code);
      if (cut > 24 && err.code === "TRUNCATED") expect(err.message).toMatch(new RegExp(`${cut}`));
    }
  });
});

describe("the other GGUF files in ../shared", () => {
  const vocab = (name: string) => fileURLToPath(new URL(`../../../../shared/tokenizer-vectors/${name}`, import.meta.url));
  // token counts from shared/tokenizer-vectors/README.md
  const files: [string, number, string][] = [
    ["ggml-vocab-llama-spm.gguf", 32000, "llama"],
    ["ggml-vocab-gpt-2.gguf", 50257, "gpt2"],
    ["llama3-vocab.gguf", 128256, "gpt2"],
    ["qwen3-vocab.gguf", 151669, "gpt2"],
  ];
  for (const [name, tokens, model] of files) {
    it(`${name}: vocab-only, ${tokens} tokens, same from disk and from bytes`, async () => {
      const f = await readGGUF(vocab(name));
      expect(f.tensors.length).toBe(0);
      expect(f.get("tokenizer.ggml.model")).toBe(model);
      expect((f.get("tokenizer.ggml.tokens") as string[]).length).toBe(tokens);
      const g = readGGUFFromBytes(readFileSync(vocab(name)));
      expect([...f.metadata.keys()]).toEqual([...g.metadata.keys()]);
      expect(f.get("tokenizer.ggml.tokens")).toEqual(g.get("tokenizer.ggml.tokens"));
    });
  }
});

describe("mapTensors", () => {
  it("asks the mapping for every tensor with its type, shape and absolute offset", async () => {
    const f = await readGGUF(STORIES);
    const calls: [number, number[], number][] = [];
    const m = mapTensors(f, { size: f.fileSize, tensor: (type, shape, off) => (calls.push([type, shape, off]), off) });
    expect(m.size).toBe(48);
    expect(m.get("output.weight")).toBe(f.tensor("output.weight")!.offset);
    expect(calls[0]).toEqual([0, [64, 512], 14176]);
    expect(() => mapTensors(f, { size: 10, tensor: () => 0 })).toThrow(/not the same file/);
  });

  it("gives zero-copy kernels tensors over MappedFile whose values are the file's bytes", async () => {
    const f = await readGGUF(STORIES);
    const bytes = readFileSync(STORIES);
    const mapped = MappedFile.open(STORIES);
    try {
      const tensors = mapTensors(f, mapped);
      for (const name of ["token_embd.weight", "blk.2.ffn_down.weight", "output_norm.weight"]) {
        const info = f.tensor(name)!;
        const t = tensors.get(name)!;
        expect(t.type).toBe(info.type);
        expect(t.shape).toEqual(info.shape);
        const want = new Float32Array(bytes.buffer.slice(bytes.byteOffset + info.offset, bytes.byteOffset + info.offset + info.bytes));
        expect(t.f32()).toEqual(want);
      }
    } finally {
      mapped.dispose();
    }
  });
});
