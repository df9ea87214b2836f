// MappedFile: read-only mapping, zero-copy buffer and tensor views, bounds checks, and the
// mapping's lifetime (views keep it; dispose unmaps when the last reference goes).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GGMLType, MappedFile, memoryStats } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { collectGarbage } from "./helpers/gc";

const dir = mkdtempSync(join(tmpdir(), "ryzen-mmap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeFloats(name: string, values: number[], pad = 0): string {
  const path = join(dir, name);
  const bytes = new Uint8Array(pad + values.length * 4);
  new DataView(bytes.buffer).setUint32(0, 0xdeadbeef, true);
  new Float32Array(bytes.buffer, pad).set(values);
  writeFileSync(path, bytes);
  return path;
}

describe("MappedFile", () => {
  it("maps a file and exposes its bytes zero-copy", () => {
    const path = writeFloats("a.bin", [1, 2, 3, 4, 5, 6], 16);
    const f = MappedFile.open(path);
    expect(f.size).toBe(16 + 24);
    expect(f.path).toBe(path);
    const buf = new Uint8Array(f.buffer());
    expect(Buffer.from(buf).equals(readFileSync(path))).toBe(true);
    const t = f.tensor(GGMLType.F32, [3, 2], 16);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.f32())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(t.rows(1, 1).toFloat32())).toEqual([4, 5, 6]);
    f.dispose();
  });

  it("writes through a view change only this process's copy, never the file", () => {
    const path = writeFloats("cow.bin", [7, 8]);
    const f = MappedFile.open(path);
    const t = f.tensor(GGMLType.F32, [2], 0);
    t.f32()[0] = 99;
    expect(t.f32()[0]).toBe(99);
    expect(readFileSync(path).readFloatLE(0)).toBe(7);
    f.dispose();
  });

  it("bounds-checks tensor views", () => {
    const path = writeFloats("b.bin", [1, 2, 3, 4]);
    const f = MappedFile.open(path);
    expectKernelError(() => f.tensor(GGMLType.F32, [5], 0), "INVALID_ARGUMENT", /outside/);
    expectKernelError(() => f.tensor(GGMLType.F32, [1], 16), "INVALID_ARGUMENT", /outside/);
    expectKernelError(() => f.tensor(GGMLType.F32, [1], -4), "INVALID_ARGUMENT", /outside/);
    expectKernelError(() => f.tensor(GGMLType.F32, [2], 2), "INVALID_ARGUMENT", /aligned/);
    expectKernelError(() => f.tensor(GGMLType.Q8_0, [32], 0), "INVALID_ARGUMENT", /outside/);
    expectKernelError(() => f.tensor(123, [1], 0), "UNKNOWN_TYPE");
    expect(f.tensor(GGMLType.I8, [1], 15).bytes()[0]).toBe(new Uint8Array(new Float32Array([4]).buffer)[3]);
    f.dispose();
    expectKernelError(() => f.tensor(GGMLType.F32, [1], 0), "DISPOSED", /disposed/);
    expectKernelError(() => f.buffer(), "DISPOSED");
  });

  it("reports IO errors for missing files and directories", () => {
    expectKernelError(() => MappedFile.open(join(dir, "missing.bin")), "IO", /missing.bin/);
    mkdirSync(join(dir, "sub"));
    expectKernelError(() => MappedFile.open(join(dir, "sub")), "IO", /not a regular file/);
    expectKernelError(() => MappedFile.open(42 as never), "INVALID_ARGUMENT", /path/);
  });

  it("maps empty files", () => {
    const path = join(dir, "empty.bin");
    writeFileSync(path, new Uint8Array(0));
    const f = MappedFile.open(path);
    expect(f.size).toBe(0);
    expect(f.buffer().byteLength).toBe(0);
    f.dispose();
  });

  it("keeps the mapping while views exist and unmaps after the last one goes", async () => {
    await collectGarbage();
    const path = writeFloats("c.bin", Array.from({ length: 1024 }, (_, k) => k));
    const base = memoryStats().mapped;
    const f = MappedFile.open(path);
    expect(memoryStats().mapped).toBe(base + 4096);
    let t: ReturnType<typeof f.tensor> | undefined = f.tensor(GGMLType.F32, [1024], 0);
    let ab: ArrayBuffer | undefined = f.buffer();
    f.dispose();
    expect(f.disposed).toBe(true);
    // still mapped and readable through the view and the buffer
    expect(memoryStats().mapped).toBe(base + 4096);
    expect(t.f32()[1023]).toBe(1023);
    expect(new Float32Array(ab)[5]).toBe(5);
    t.dispose();
    t = undefined;
    await collectGarbage();
    expect(memoryStats().mapped).toBe(base + 4096); // the ArrayBuffer still holds it
    expect(new Float32Array(ab)[6]).toBe(6);
    ab = undefined;
    await collectGarbage();
    expect(memoryStats().mapped).toBe(base);
  });
});
