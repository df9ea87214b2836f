import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  GGUFValueType as T,
  GGUFWriter,
  bf16ToF32,
  f16ToF32,
  f32ToBF16,
  f32ToF16,
  readGGUF,
  readGGUFFromBytes,
  type GGUFValue,
} from "../src/gguf/index.js";

const STORIES = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ryzen-gguf-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function roundTrip(w: GGUFWriter) {
  return readGGUFFromBytes(w.toBytes());
}

describe("GGUFWriter metadata", () => {
  // [key, value written, explicit type, expected value read back, expected type, expected array element type]
  const cases: [string, GGUFValue, T | undefined, unknown, T, T?][] = [
    ["u8", 200, T.UINT8, 200, T.UINT8],
    ["i8", -5, T.INT8, -5, T.INT8],
    ["u16", 60000, T.UINT16, 60000, T.UINT16],
    ["i16", -30000, T.INT16, -30000, T.INT16],
    ["u32", 4_000_000_000, T.UINT32, 4_000_000_000, T.UINT32],
    ["i32", -2_000_000_000, T.INT32, -2_000_000_000, T.INT32],
    ["f32", 1.5, T.FLOAT32, 1.5, T.FLOAT32],
    ["f32.rounded", 0.1, T.FLOAT32, Math.fround(0.1), T.FLOAT32],
    ["f64", Math.PI, T.FLOAT64, Math.PI, T.FLOAT64],
    ["bool.t", true, T.BOOL, true, T.BOOL],
    ["bool.f", false, T.BOOL, false, T.BOOL],
    ["str", "héllo ✓ \u{1F600}", T.STRING, "héllo ✓ \u{1F600}", T.STRING],
    ["str.empty", "", T.STRING, "", T.STRING],
    ["u64.big", 2n ** 63n + 5n, T.UINT64, 2n ** 63n + 5n, T.UINT64],
    ["u64.small", 5, T.UINT64, 5, T.UINT64],
    ["i64.big", -(2n ** 62n), T.INT64, -(2n ** 62n), T.INT64],
    ["i64.small", -7, T.INT64, -7, T.INT64],
    // inferred
    ["inf.u32", 5, undefined, 5, T.UINT32],
    ["inf.i32", -5, undefined, -5, T.INT32],
    ["inf.u64", 2 ** 33, undefined, 2 ** 33, T.UINT64],
    ["inf.i64", -(2 ** 40), undefined, -(2 ** 40), T.INT64],
    ["inf.f32", 1.25, undefined, 1.25, T.FLOAT32],
    ["inf.bigint", 10n, undefined, 10, T.UINT64],
    ["inf.negbigint", -1n, undefined, -1, T.INT64],
    ["inf.bool", true, undefined, true, T.BOOL],
    ["inf.str", "x", undefined, "x", T.STRING],
    // arrays
    ["a.u8", new Uint8Array([1, 2, 255]), undefined, new Uint8Array([1, 2, 255]), T.ARRAY, T.UINT8],
    ["a.i8", new Int8Array([-1, 2]), undefined, new Int8Array([-1, 2]), T.ARRAY, T.INT8],
    ["a.u16", new Uint16Array([65535]), undefined, new Uint16Array([65535]), T.ARRAY, T.UINT16],
    ["a.i16", new Int16Array([-2, 3]), undefined, new Int16Array([-2, 3]), T.ARRAY, T.INT16],
    ["a.u32", new Uint32Array([4e9]), undefined, new Uint32Array([4e9]), T.ARRAY, T.UINT32],
    ["a.i32", new Int32Array([-4, 5]), undefined, new Int32Array([-4, 5]), T.ARRAY, T.INT32],
    ["a.f32", new Float32Array([0.5, -2]), undefined, new Float32Array([0.5, -2]), T.ARRAY, T.FLOAT32],
    ["a.f64", new Float64Array([Math.E]), undefined, new Float64Array([Math.E]), T.ARRAY, T.FLOAT64],
    ["a.u64", new BigUint64Array([2n ** 64n - 1n]), undefined, new BigUint64Array([2n ** 64n - 1n]), T.ARRAY, T.UINT64],
    ["a.i64", new BigInt64Array([-(2n ** 63n)]), undefined, new BigInt64Array([-(2n ** 63n)]), T.ARRAY, T.INT64],
    ["a.str", ["a", "", "ü"], undefined, ["a", "", "ü"], T.ARRAY, T.STRING],
    ["a.bool", [true, false, true], undefined, new Uint8Array([1, 0, 1]), T.ARRAY, T.BOOL],
    ["a.inf.u32", [1, 2, 3], undefined, new Uint32Array([1, 2, 3]), T.ARRAY, T.UINT32],
    ["a.inf.i32", [-1, 2], undefined, new Int32Array([-1, 2]), T.ARRAY, T.INT32],
    ["a.inf.u64", [2 ** 40, 1], undefined, new BigUint64Array([2n ** 40n, 1n]), T.ARRAY, T.UINT64],
    ["a.inf.f32", [0.5, 1], undefined, new Float32Array([0.5, 1]), T.ARRAY, T.FLOAT32],
    ["a.explicit.i16", [1, -2], T.INT16, new Int16Array([1, -2]), T.ARRAY, T.INT16],
    ["a.explicit.f64", new Float32Array([0.25]), T.FLOAT64, new Float64Array([0.25]), T.ARRAY, T.FLOAT64],
    ["a.explicit.bool", new Uint8Array([0, 1]), T.BOOL, new Uint8Array([0, 1]), T.ARRAY, T.BOOL],
    ["a.empty", [], T.STRING, [], T.ARRAY, T.STRING],
    ["a.nested", [[1, 2], [3]], undefined, [new Uint32Array([1, 2]), new Uint32Array([3])], T.ARRAY, T.ARRAY],
    ["a.nested.i8", [[1, -2], []], T.INT8, [new Int8Array([1, -2]), new Int8Array([])], T.ARRAY, T.ARRAY],
    ["a.nested.str", [["a"], ["b", "c"]], undefined, [["a"], ["b", "c"]], T.ARRAY, T.ARRAY],
    ["a.nested3", [[[1.5]], [[2.5], []]], T.FLOAT32, [[new Float32Array([1.5])], [new Float32Array([2.5]), new Float32Array([])]], T.ARRAY, T.ARRAY],
  ];

  it("round-trips every value type, explicit and inferred, through the reader", () => {
    const w = new GGUFWriter();
    for (const [key, value, type] of cases) w.setMetadata(key, value, type);
    const f = roundTrip(w);
    expect([...f.metadata.keys()]).toEqual(cases.map((c) => c[0]));
    for (const [key, , , expected, type, elemType] of cases) {
      expect(f.get(key), key).toEqual(expected);
      expect(f.types.get(key), key).toBe(type);
      if (elemType !== undefined) expect(f.arrayTypes.get(key), key).toBe(elemType);
    }
  });

  it("rejects values that do not fit the type", () => {
    const w = new GGUFWriter();
    expect(() => w.setMetadata("k", 256, T.UINT8)).toThrow(RangeError);
    expect(() => w.setMetadata("k", -1, T.UINT32)).toThrow(RangeError);
    expect(() => w.setMetadata("k", 1.5, T.INT32)).toThrow(TypeError);
    expect(() => w.setMetadata("k", "s", T.UINT32)).toThrow(TypeError);
    expect(() => w.setMetadata("k", 2, T.BOOL)).toThrow(TypeError);
    expect(() => w.setMetadata("k", 2n ** 64n, T.UINT64)).toThrow(RangeError);
    expect(() => w.setMetadata("k", [1, "a"] as unknown as GGUFValue)).toThrow(TypeError);
    expect(() => w.setMetadata("k", [[1], 2] as unknown as GGUFValue)).toThrow(TypeError);
    expect(() => w.setMetadata("k", 5, T.ARRAY)).toThrow(TypeError);
    expect(() => w.setMetadata("", 5)).toThrow(TypeError);
    expect(w.hasMetadata("k")).toBe(false);
  });

  it("replaces keys in place and deletes them", () => {
    const w = new GGUFWriter().setMetadata("a", 1).setMetadata("b", 2).setMetadata("c", 3);
    w.setMetadata("a", "one");
    expect(w.deleteMetadata("b")).toBe(true);
    expect(w.deleteMetadata("zz")).toBe(false);
    const f = roundTrip(w);
    expect([...f.metadata.entries()]).toEqual([["a", "one"], ["c", 3]]);
  });
});

describe("f16 / bf16 conversion", () => {
  const bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
  const f16 = (x: number) => f32ToF16(new Float32Array([x]))[0];

  it("rounds to nearest even at the edges", () => {
    expect(f16(1)).toBe(0x3c00);
    expect(f16(-2)).toBe(0xc000);
    expect(f16(65504)).toBe(0x7bff);
    expect(f16(65519)).toBe(0x7bff);
    expect(f16(65520)).toBe(0x7c00); // halfway to 65536 rounds to even: infinity
    expect(f16(2 ** -24)).toBe(0x0001);
    expect(f16(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal
    expect(f16(3 * 2 ** -26)).toBe(0x0001);
    expect(f16(2 ** -14)).toBe(0x0400); // smallest normal
    expect(f16(1 + 2 ** -11)).toBe(0x3c00); // tie: stays even
    expect(f16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: rounds up to even
    expect(f16(-0)).toBe(0x8000);
    expect(f16(Infinity)).toBe(0x7c00);
    expect(f16(NaN) & 0x7e00).toBe(0x7e00);
  });

  it("f16 -> f32 -> f16 is the identity for every non-NaN half", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ToF16(f16ToF32(all));
    for (let i = 0; i < 65536; i++) {
      const isNaN16 = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!isNaN16) expect(back[i]).toBe(i);
    }
  });

  it("matches a brute-force nearest-value reference on random floats", () => {
    // reference: the representable neighbours of x, nearest wins, ties go to the even code
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const xs = new Float32Array(4000).map(() => (rnd() - 0.5) * 2 ** (rnd() * 40 - 28));
    const h = f32ToF16(xs);
    const b = f32ToBF16(xs);
    const hv = f16ToF32(h);
    const bv = bf16ToF32(b);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      for (const [code, v, decode] of [
        [h[i], hv[i], (c: number) => f16ToF32(new Uint16Array([c]))[0]],
        [b[i], bv[i], (c: number) => bf16ToF32(new Uint16Array([c]))[0]],
      ] as const) {
        if (!Number.isFinite(v)) continue; // beyond the f16 range
        const err = Math.abs(v - x);
        for (const other of [code - 1, code + 1]) {
          const o = decode(other & 0xffff);
          if (!Number.isFinite(o) || Math.sign(o) !== Math.sign(v) && o !== 0) continue;
          const oerr = Math.abs(o - x);
          expect(err <= oerr, `x=${x} (bits ${bits(x).toString(16)}) code=${code} other=${other}`).toBe(true);
          if (err === oerr) expect(code & 1).toBe(0);
        }
      }
    }
  });
});

describe("GGUFWriter tensors and files", () => {
  function build() {
    const w = new GGUFWriter().setMetadata("general.architecture", "test");
    w.addTensor("f32", 0, [5, 3], new Float32Array(15).map((_, i) => i - 7.5));
    w.addTensor("f16", 1, [7], new Float32Array([1, -2, 0.5, 65504, 1e-8, 3.14159, -0]));
    w.addTensor("bf16", 30, [2, 2], new Float32Array([1, 2, 3, 1e30]));
    w.addTensor("raw.q8_0", 8, [32, 2], new Uint8Array(68).map((_, i) => i));
    w.addTensor("lazy", 0, [4, 4], () => [new Uint8Array(40).fill(1), new Uint8Array(24).fill(2)]);
    return w;
  }

  it("lays tensors out aligned, and reads back their bytes", () => {
    const bytes = build().toBytes();
    const f = readGGUFFromBytes(bytes);
    expect(f.tensors.map((t) => [t.name, t.typeName, t.shape, t.bytes])).toEqual([
      ["f32", "f32", [5, 3], 60], ["f16", "f16", [7], 14], ["bf16", "bf16", [2, 2], 8],
      ["raw.q8_0", "q8_0", [32, 2], 68], ["lazy", "f32", [4, 4], 64],
    ]);
    for (const t of f.tensors) expect(t.offset % 32).toBe(0);
    expect(f.fileSize).toBe(f.tensors[4].offset + 64);
    const at = (name: string) => f.tensor(name)!;
    const f32 = new Float32Array(bytes.slice(at("f32").offset, at("f32").offset + 60).buffer);
    expect(Array.from(f32)).toEqual(Array.from({ length: 15 }, (_, i) => i - 7.5));
    const f16 = f16ToF32(new Uint16Array(bytes.slice(at("f16").offset, at("f16").offset + 14).buffer));
    expect([f16[0], f16[1], f16[2], f16[3], f16[4], f16[6]]).toEqual([1, -2, 0.5, 65504, 0, -0]);
    expect(Math.abs(f16[5] - 3.14159)).toBeLessThan(2e-3);
    const bf = bf16ToF32(new Uint16Array(bytes.slice(at("bf16").offset, at("bf16").offset + 8).buffer));
    expect(Array.from(bf).slice(0, 3)).toEqual([1, 2, 3]);
    expect(Math.abs(bf[3] / 1e30 - 1)).toBeLessThan(1 / 128);
    expect(Array.from(bytes.slice(at("raw.q8_0").offset, at("raw.q8_0").offset + 68))).toEqual(Array.from({ length: 68 }, (_, i) => i));
    const lazy = bytes.slice(at("lazy").offset, at("lazy").offset + 64);
    expect(lazy.slice(0, 40).every((b) => b === 1) && lazy.slice(40).every((b) => b === 2)).toBe(true);
  });

  it("write() streams the same bytes as toBytes(), also from async chunk producers", async () => {
    const p = join(dir, "same.gguf");
    await build().write(p);
    expect(new Uint8Array(readFileSync(p))).toEqual(build().toBytes());

    const w = new GGUFWriter();
    w.addTensor("big", 0, [1024, 64], async function* () {
      for (let r = 0; r < 64; r++) yield new Uint8Array(new Float32Array(1024).fill(r).buffer);
    });
    const q = join(dir, "async.gguf");
    await w.write(q);
    const f = await readGGUF(q);
    const data = new Float32Array(readFileSync(q).buffer.slice(f.tensors[0].offset, f.tensors[0].offset + 4 * 1024 * 64));
    expect(data[0]).toBe(0);
    expect(data[1024 * 63 + 5]).toBe(63);
  });

  it("fails without leaving a file when a producer gives the wrong number of bytes", async () => {
    const w = new GGUFWriter();
    w.addTensor("short", 0, [8], () => [new Uint8Array(31)]);
    const p = join(dir, "short.gguf");
    await expect(w.write(p)).rejects.toThrow(/produced 31 of 32 bytes/);
    expect(existsSync(p)).toBe(false);
    expect(readdirSync(dir).some((n) => n.startsWith("short.gguf"))).toBe(false);
    const w2 = new GGUFWriter();
    w2.addTensor("long", 0, [8], () => [new Uint8Array(33)]);
    expect(() => w2.toBytes()).toThrow(/more than 32 bytes/);
  });

  it("validates tensors when they are added", () => {
    const w = new GGUFWriter();
    w.addTensor("a", 0, [2], new Float32Array(2));
    expect(() => w.addTensor("a", 0, [2], new Float32Array(2))).toThrow(/already added/);
    expect(() => w.addTensor("b", 0, [3], new Float32Array(2))).toThrow(RangeError);
    expect(() => w.addTensor("b", 8, [33], new Uint8Array(34))).toThrow(/block size/);
    expect(() => w.addTensor("b", 8, [32], new Uint8Array(33))).toThrow(/needs 34/);
    expect(() => w.addTensor("b", 8, [32], new Float32Array(32))).toThrow(/quantize/);
    expect(() => w.addTensor("b", 77, [32], new Uint8Array(32))).toThrow(/unknown tensor type/);
    expect(() => w.addTensor("b", 0, [1, 1, 1, 1, 1], new Float32Array(1))).toThrow(/dimensions/);
    expect(() => w.addTensor("b", 0, [0], new Float32Array(0))).toThrow(/positive integers/);
    expect(w.tensorCount).toBe(1);
  });

  it("re-encodes stories260K byte for byte (metadata with its original types, tensors copied)", async () => {
    const original = new Uint8Array(readFileSync(STORIES));
    const f = await readGGUF(STORIES);
    const w = new GGUFWriter();
    for (const [k, v] of f.metadata) {
      const t = f.types.get(k)!;
      w.setMetadata(k, v, t === T.ARRAY ? f.arrayTypes.get(k) : t);
    }
    for (const t of f.tensors) w.addTensor(t.name, t.type, t.shape, original.subarray(t.offset, t.offset + t.bytes));
    const copy = w.toBytes();
    expect(copy.length).toBe(original.length);
    expect(Buffer.compare(copy, original)).toBe(0);
  });
});
