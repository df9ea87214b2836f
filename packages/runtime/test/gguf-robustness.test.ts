// Bad input must give a GGUFFormatError naming the problem: never another exception type,
// a hang, or an allocation sized by a lying count.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ByteBuilder } from "../src/gguf/bytes.js";
import { GGUFFormatError, GGUFTensorError, GGUFValueType as T, GGUFWriter, readGGUFFromBytes } from "../src/gguf/index.js";

const STORIES = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));

/** A GGUF built by hand (independently of GGUFWriter) so tests can put any lie in it. */
interface RawTensor { name: string; dims: (number | bigint)[]; type: number; offset: number | bigint; nameLength?: bigint }
function rawGGUF(opts: { tensorCount?: bigint; kv?: (b: ByteBuilder) => number; tensors: RawTensor[]; dataBytes: number; alignment?: number }): Uint8Array {
  const b = new ByteBuilder();
  b.u32(0x46554747);
  b.u32(3);
  b.u64(opts.tensorCount ?? BigInt(opts.tensors.length));
  const kvAt = b.length;
  b.u64(0n);
  const nkv = opts.kv ? opts.kv(b) : 0;
  new DataView(b.result().buffer, b.result().byteOffset).setBigUint64(kvAt, BigInt(nkv), true);
  const enc = new TextEncoder();
  for (const t of opts.tensors) {
    const name = enc.encode(t.name);
    b.u64(t.nameLength ?? BigInt(name.length));
    b.bytes(name);
    b.u32(t.dims.length);
    for (const d of t.dims) b.u64(BigInt(d));
    b.u32(t.type);
    b.u64(BigInt(t.offset));
  }
  const align = opts.alignment ?? 32;
  b.zeros((align - (b.length % align)) % align);
  b.zeros(opts.dataBytes);
  return b.result().slice();
}

function errorOf(bytes: Uint8Array): unknown {
  try {
    readGGUFFromBytes(bytes);
    return undefined;
  } catch (e) {
    return e;
  }
}

function expectFormatError(bytes: Uint8Array, match: { code?: string; tensor?: string; key?: string; message?: RegExp }) {
  const e = errorOf(bytes);
  expect(e).toBeInstanceOf(GGUFFormatError);
  const err = e as GGUFFormatError & { tensor?: string };
  if (match.code) expect(err.code).toBe(match.code);
  if (match.tensor) {
    expect(err).toBeInstanceOf(GGUFTensorError);
    expect(err.tensor).toBe(match.tensor);
    expect(err.message).toContain(match.tensor);
  }
  if (match.key) expect(err.key).toBe(match.key);
  if (match.message) expect(err.message).toMatch(match.message);
}

function sample(): Uint8Array {
  const w = new GGUFWriter()
    .setMetadata("general.architecture", "llama")
    .setMetadata("general.alignment", 64)
    .setMetadata("names", ["a", "bb", "ccc"])
    .setMetadata("nested", [[1, 2], [3]], T.INT16)
    .setMetadata("scores", new Float32Array([0.5, -1, 2]))
    .setMetadata("flag", true)
    .setMetadata("big", 2n ** 60n);
  w.addTensor("w1", 0, [8, 4], new Float32Array(32).fill(1));
  w.addTensor("w2", 8, [32, 3], new Uint8Array(102));
  w.addTensor("w3", 1, [16], new Float32Array(16));
  w.addTensor("w4", 36, [128, 4], new Uint8Array(128 + 32));
  return w.toBytes();
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("truncated files", () => {
  it("a small file cut at every byte gives only GGUFFormatError", () => {
    const full = sample();
    const f = readGGUFFromBytes(full);
    expect(f.tensors.length).toBe(4);
    // only the padding after the last tensor may go
    const dataEnd = Math.max(...f.tensors.map((t) => t.offset + t.bytes));
    expect(readGGUFFromBytes(full.subarray(0, dataEnd)).tensors.length).toBe(4);
    for (let cut = 0; cut < dataEnd; cut++) {
      const e = errorOf(full.subarray(0, cut));
      expect(e, `cut at ${cut}`).toBeInstanceOf(GGUFFormatError);
    }
  });

  it("stories260K cut at hundreds of points gives only GGUFFormatError", () => {
    const full = new Uint8Array(readFileSync(STORIES));
    const cuts = [];
    for (let c = 0; c < 14300; c += 37) cuts.push(c);
    for (let c = 14300; c < full.length; c += 9973) cuts.push(c);
    cuts.push(full.length - 1);
    for (const cut of cuts) {
      const e = errorOf(full.subarray(0, cut));
      expect(e, `cut at ${cut}`).toBeInstanceOf(GGUFFormatError);
      if (cut >= 14176) expect((e as GGUFFormatError).code).toBe("TRUNCATED"); // a tensor now ends past the end
    }
  });
});

describe("random corruption (seeded)", () => {
  function fuzz(base: Uint8Array, headerBytes: number, iterations: number, seed: number) {
    const rnd = lcg(seed);
    let parsed = 0;
    let maxArrayBuffers = 0;
    for (let i = 0; i < iterations; i++) {
      const bytes = base.slice();
      const flips = 1 + Math.floor(rnd() * 6);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rnd() * headerBytes);
        // mix of random bytes, 0xff runs (huge lengths) and small ints
        const kind = rnd();
        bytes[at] = kind < 0.5 ? Math.floor(rnd() * 256) : kind < 0.8 ? 0xff : Math.floor(rnd() * 8);
      }
      const e = errorOf(bytes);
      if (e === undefined) parsed++;
      else if (!(e instanceof GGUFFormatError)) throw new Error(`iteration ${i}: ${String(e)}`);
      maxArrayBuffers = Math.max(maxArrayBuffers, process.memoryUsage().arrayBuffers);
    }
    return { parsed, maxArrayBuffers };
  }

  it("3000 corruptions of a small file", () => {
    const base = sample();
    const { parsed, maxArrayBuffers } = fuzz(base, base.length, 3000, 1);
    expect(parsed).toBeLessThan(3000); // the corruption does hit the parser
    expect(maxArrayBuffers).toBeLessThan(256 * 1024 * 1024);
  });

  it("600 corruptions of stories260K's header", () => {
    const base = new Uint8Array(readFileSync(STORIES));
    const { maxArrayBuffers } = fuzz(base, 14176, 600, 2);
    expect(maxArrayBuffers).toBeLessThan(256 * 1024 * 1024);
  });
});

describe("lying headers", () => {
  const ok: RawTensor[] = [
    { name: "a", dims: [8, 2], type: 0, offset: 0 },
    { name: "b", dims: [32], type: 8, offset: 64 },
  ];
  const okFile = () => rawGGUF({ tensors: ok, dataBytes: 64 + 34 });

  it("the hand-built baseline parses", () => {
    const f = readGGUFFromBytes(okFile());
    expect(f.tensors.map((t) => [t.name, t.bytes, t.offset - f.dataOffset])).toEqual([["a", 64, 0], ["b", 34, 64]]);
  });

  it("absurd tensor counts", () => {
    expectFormatError(rawGGUF({ tensors: ok, dataBytes: 98, tensorCount: 2n ** 60n }), { code: "BAD_VALUE", message: /tensor count/ });
    expectFormatError(rawGGUF({ tensors: ok, dataBytes: 98, tensorCount: 2n ** 40n }), { code: "LIMIT" });
    expectFormatError(rawGGUF({ tensors: ok, dataBytes: 98, tensorCount: 100000n }), { code: "LIMIT", message: /room for at most/ });
    expectFormatError(rawGGUF({ tensors: ok, dataBytes: 98, tensorCount: 3n }), {}); // reads into the data as a third entry
  });

  it("absurd metadata counts, string and array lengths", () => {
    const hugeKv = rawGGUF({ tensors: [], dataBytes: 64 });
    new DataView(hugeKv.buffer).setBigUint64(16, 2n ** 62n, true);
    expectFormatError(hugeKv, { code: "BAD_VALUE" });
    new DataView(hugeKv.buffer).setBigUint64(16, 2n ** 40n, true);
    expectFormatError(hugeKv, { code: "LIMIT" });

    const key = (len: bigint) => rawGGUF({ tensors: [], dataBytes: 0, kv: (b) => { b.u64(len); b.bytes(new TextEncoder().encode("k")); b.u32(4); b.u32(1); return 1; } });
    expectFormatError(key(2n ** 62n), { code: "BAD_VALUE", message: /string length/ });
    expectFormatError(key(2n ** 30n), { code: "LIMIT" });
    expectFormatError(key(60000n), { code: "TRUNCATED" });

    const strValue = (len: bigint) => rawGGUF({ tensors: [], dataBytes: 0, kv: (b) => { b.u64(1n); b.u8(107); b.u32(T.STRING); b.u64(len); return 1; } });
    expectFormatError(strValue(2n ** 33n), { code: "LIMIT" });
    expectFormatError(strValue(10_000_000n), { code: "TRUNCATED" });

    const arr = (elem: T, len: bigint) => rawGGUF({ tensors: [], dataBytes: 0, kv: (b) => { b.u64(1n); b.u8(107); b.u32(T.ARRAY); b.u32(elem); b.u64(len); return 1; } });
    expectFormatError(arr(T.UINT64, 2n ** 50n), { code: "LIMIT", key: "k" });
    expectFormatError(arr(T.UINT64, 60_000_000n), { code: "TRUNCATED" });
    expectFormatError(arr(T.STRING, 60_000_000n), { code: "TRUNCATED" });
    expectFormatError(arr(T.ARRAY, 60_000_000n), { code: "TRUNCATED" });
    expectFormatError(arr(99 as T, 1n), { code: "BAD_VALUE", key: "k" });
  });

  it("tensor entries that lie name the tensor", () => {
    const t = (over: Partial<RawTensor>, dataBytes = 98) => rawGGUF({ tensors: [ok[0], { ...ok[1], ...over }], dataBytes });
    expectFormatError(t({ type: 99 }), { code: "BAD_VALUE", tensor: "b", message: /unknown or unsupported tensor type id 99/ });
    expectFormatError(t({ type: 13 /* q5_K: not supported here */ }), { tensor: "b", message: /type id 13/ });
    expectFormatError(t({ dims: [1, 1, 1, 1, 1] }), { code: "BAD_VALUE", tensor: "b", message: /5 dimensions/ });
    expectFormatError(t({ dims: [] }), { tensor: "b", message: /0 dimensions/ });
    expectFormatError(t({ dims: [32, 0] }), { tensor: "b", message: /dimension 1 is 0/ });
    expectFormatError(t({ dims: [2n ** 63n] }), { tensor: "b" });
    expectFormatError(t({ dims: [2 ** 30, 2 ** 30], type: 0 }), { code: "LIMIT", tensor: "b", message: /more elements/ });
    expectFormatError(t({ dims: [33], type: 8 }), { tensor: "b", message: /block size/ });
    expectFormatError(t({ dims: [64, 2], type: 36 }), { tensor: "b", message: /block size 128/ });
    expectFormatError(t({ offset: 96 }), { code: "TRUNCATED", tensor: "b", message: /beyond the end/ });
    expectFormatError(t({ offset: 2n ** 40n }), { code: "TRUNCATED", tensor: "b" });
    expectFormatError(t({ offset: 2n ** 62n }), { code: "BAD_VALUE", tensor: "b", message: /too large/ });
    expectFormatError(t({ offset: 40 }), { code: "BAD_VALUE", tensor: "b", message: /not a multiple of the alignment/ });
    expectFormatError(t({ offset: 32 }), { code: "BAD_VALUE", tensor: "b", message: /overlaps tensor 'a'/ });
    expectFormatError(t({ offset: 0 }), { code: "BAD_VALUE", tensor: "b", message: /overlaps/ });
    expectFormatError(t({ name: "a" }), { code: "BAD_VALUE", tensor: "a", message: /twice/ });
    expectFormatError(t({ nameLength: 2n ** 20n }), { code: "LIMIT" });
    expectFormatError(t({ nameLength: 2n ** 62n }), { code: "BAD_VALUE" });
    // a tensor that ends exactly at the end of the file is fine; one byte less is not
    expect(readGGUFFromBytes(t({}, 98)).tensors.length).toBe(2);
    expectFormatError(t({}, 97), { code: "TRUNCATED", tensor: "b" });
  });
});
