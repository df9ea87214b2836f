// Types, CPU detection / ISA selection, and the Tensor class (creation, views, conversions).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  GGMLType,
  Tensor,
  cpuInfo,
  getThreads,
  opNames,
  setIsa,
  tensorBytes,
  typeInfo,
  typeName,
} from "../src/index";
import { expectKernelError } from "./helpers/errors";

// ggml's block sizes and bytes per block (ggml-common.h) and bitnet.cpp's I2_S packing.
const GGML_TABLE: [number, string, number, number][] = [
  [0, "f32", 1, 4],
  [1, "f16", 1, 2],
  [2, "q4_0", 32, 18],
  [8, "q8_0", 32, 34],
  [12, "q4_K", 256, 144],
  [14, "q6_K", 256, 210],
  [24, "i8", 1, 1],
  [25, "i16", 1, 2],
  [26, "i32", 1, 4],
  [30, "bf16", 1, 2],
  [34, "tq1_0", 256, 54],
  [35, "tq2_0", 256, 66],
  [36, "i2_s", 128, 32],
];

describe("types", () => {
  it("reports ggml block sizes and type sizes", () => {
    for (const [id, name, block, size] of GGML_TABLE) {
      expect(typeName(id)).toBe(name);
      expect(typeInfo(id)).toEqual({ name, blockSize: block, typeSize: size, known: true });
    }
    expect(Object.values(GGMLType).sort((a, b) => a - b)).toEqual(GGML_TABLE.map((r) => r[0]));
  });

  it("marks unknown ids", () => {
    expect(typeInfo(3).known).toBe(false);
    expect(typeName(99)).toBe("unknown(99)");
  });

  it("computes tensor bytes per row of blocks", () => {
    expect(tensorBytes(GGMLType.F32, [10, 3])).toBe(120);
    expect(tensorBytes(GGMLType.Q8_0, [64, 5])).toBe(2 * 34 * 5);
    expect(tensorBytes(GGMLType.Q4_K, [512, 2, 3])).toBe(2 * 144 * 6);
    expect(tensorBytes(GGMLType.TQ2_0, [2560, 640])).toBe(10 * 66 * 640);
    expect(tensorBytes(GGMLType.TQ1_0, [256])).toBe(54);
  });

  it("sizes I2_S as n/4 bytes plus one 32-byte tail per tensor", () => {
    expect(tensorBytes(GGMLType.I2_S, [2560, 640])).toBe((2560 * 640) / 4 + 32);
    expect(tensorBytes(GGMLType.I2_S, [128])).toBe(32 + 32);
  });

  it("rejects shapes that do not fit the block size, and bad shapes", () => {
    expectKernelError(() => tensorBytes(GGMLType.Q8_0, [33, 2]), "INVALID_ARGUMENT", /multiple of the block size 32/);
    expectKernelError(() => tensorBytes(GGMLType.I2_S, [100]), "INVALID_ARGUMENT", /128/);
    expectKernelError(() => tensorBytes(GGMLType.F32, []), "INVALID_ARGUMENT", /shape/);
    expectKernelError(() => tensorBytes(GGMLType.F32, [1, 1, 1, 1, 1]), "INVALID_ARGUMENT", /shape/);
    expectKernelError(() => tensorBytes(GGMLType.F32, [4, 0]), "INVALID_ARGUMENT", /shape/);
    expectKernelError(() => tensorBytes(GGMLType.F32, [4.5]), "INVALID_ARGUMENT", /shape/);
    expectKernelError(() => tensorBytes(GGMLType.F32, [2 ** 40, 2 ** 40]), "INVALID_ARGUMENT", /too large/);
    expectKernelError(() => tensorBytes(77, [4]), "UNKNOWN_TYPE", /77/);
  });
});

describe("cpu and ISA", () => {
  it("describes the CPU and the paths it supports", () => {
    const info = cpuInfo();
    expect(info.available[0]).toBe("scalar");
    expect(info.available).toContain(info.best);
    expect(info.available.at(-1)).toBe(info.best);
    expect(info.available).toContain(info.isa);
    expect(info.physicalCores).toBeGreaterThanOrEqual(1);
    expect(info.physicalCores).toBeLessThanOrEqual(info.logicalCores);
    expect(info.threads).toBe(getThreads());
    if (info.available.includes("avx2")) expect(info.features.avx2 && info.features.fma && info.features.f16c).toBe(true);
    if (info.available.includes("avx512")) expect(info.features.avx512f && info.features.avx512vnni).toBe(true);
    // the SIMD libraries are linked with the flags their paths need
    expect(info.libraries).toEqual({ avx2: true, avx512: true });
  });

  it("setIsa clamps to what the CPU has and returns the active path", () => {
    const { best, available } = cpuInfo();
    try {
      for (const isa of available) {
        expect(setIsa(isa)).toBe(isa);
        expect(cpuInfo().isa).toBe(isa);
      }
      expect(setIsa("avx512")).toBe(best);
    } finally {
      setIsa(best);
    }
    expectKernelError(() => setIsa("sse" as never), "INVALID_ARGUMENT", /unknown ISA 'sse'/);
  });

  /** cpuInfo() of a fresh process with environment `env`. */
  const cpuInfoIn = (env: NodeJS.ProcessEnv): ReturnType<typeof cpuInfo> => {
    const index = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const script = `import(${JSON.stringify(index)}).then((k) => console.log(JSON.stringify(k.cpuInfo())))`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { env, encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").at(-1)!);
  };

  it("RYZEN_ISA sets the initial path, clamped to the CPU", () => {
    const isaWith = (value: string) => cpuInfoIn({ ...process.env, RYZEN_ISA: value }).isa;
    expect(isaWith("scalar")).toBe("scalar");
    expect(isaWith("avx512")).toBe(cpuInfo().best);
    expect(isaWith("bogus")).toBe(cpuInfo().best);
  });

  it("weight prefetches go to L2 on Intel and L1 elsewhere; RYZEN_PREFETCH overrides", () => {
    const { RYZEN_PREFETCH: _, ...inherited } = process.env;
    const prefetchWith = (value?: string) =>
      cpuInfoIn(value === undefined ? inherited : { ...inherited, RYZEN_PREFETCH: value }).prefetch;
    const byVendor = cpuInfo().vendor === "GenuineIntel" ? "l2" : "l1";
    expect(prefetchWith()).toBe(byVendor);
    expect(prefetchWith("l1")).toBe("l1");
    expect(prefetchWith("l2")).toBe("l2");
    expect(prefetchWith("bogus")).toBe(byVendor);
  });
});

describe("Tensor", () => {
  it("empty() is zeroed and shaped", () => {
    const t = Tensor.empty(GGMLType.F32, [5, 3]);
    expect(t.shape).toEqual([5, 3]);
    expect(t.type).toBe(GGMLType.F32);
    expect(t.byteLength).toBe(60);
    expect(t.disposed).toBe(false);
    expect(Array.from(t.f32())).toEqual(new Array(15).fill(0));
    const q = Tensor.empty(GGMLType.Q8_0, [64, 2]);
    expect(q.byteLength).toBe(136);
    expect(q.bytes().every((b) => b === 0)).toBe(true);
  });

  it("from() is a zero-copy view that checks the byte length", () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = Tensor.from(GGMLType.F32, [3, 2], data);
    data[4] = 50;
    expect(t.f32()[4]).toBe(50);
    t.f32()[0] = -1;
    expect(data[0]).toBe(-1);
    expect(Tensor.from(GGMLType.F32, [6], data.buffer).f32()[0]).toBe(-1);
    expectKernelError(() => Tensor.from(GGMLType.F32, [4, 2], data), "INVALID_ARGUMENT", /24 bytes.*needs 32/);
    expectKernelError(() => Tensor.from(GGMLType.F32, [1], new Uint8Array(data.buffer, 1, 4)), "INVALID_ARGUMENT", /aligned/);
    expectKernelError(() => Tensor.from(GGMLType.F32, [1], [1, 2] as never), "INVALID_ARGUMENT", /ArrayBuffer/);
  });

  it("fromFloat32() copies", () => {
    const data = new Float32Array([1, 2, 3]);
    const t = Tensor.fromFloat32([3], data);
    data[0] = 9;
    expect(Array.from(t.f32())).toEqual([1, 2, 3]);
    expectKernelError(() => Tensor.fromFloat32([4], data), "INVALID_ARGUMENT", /3 floats; shape needs 4/);
    expectKernelError(() => Tensor.fromFloat32([3], new Int32Array(3) as never), "INVALID_ARGUMENT", /Float32Array/);
  });

  it("rows() and reshape() are views of the same bytes", () => {
    const t = Tensor.fromFloat32([2, 4], new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]));
    const r = t.rows(1, 2);
    expect(r.shape).toEqual([2, 2]);
    expect(Array.from(r.f32())).toEqual([2, 3, 4, 5]);
    r.f32()[0] = 20;
    expect(t.f32()[2]).toBe(20);
    const flat = t.reshape([8]);
    expect(flat.shape).toEqual([8]);
    expect(flat.f32()[2]).toBe(20);
    const cube = Tensor.empty(GGMLType.F32, [2, 3, 4]);
    expect(cube.rows(5, 7).shape).toEqual([2, 7]);
    expectKernelError(() => t.rows(3, 2), "INVALID_ARGUMENT", /outside the tensor's 4 rows/);
    expectKernelError(() => t.rows(-1, 1), "INVALID_ARGUMENT");
    expectKernelError(() => t.rows(0, 0), "INVALID_ARGUMENT");
    expectKernelError(() => t.reshape([3, 3]), "SHAPE_MISMATCH", /\[2, 4\] to \[3, 3\]/);
    expectKernelError(() => Tensor.empty(GGMLType.Q8_0, [64, 2]).reshape([16, 8]), "INVALID_ARGUMENT", /block size/);
  });

  it("views keep memory alive after the parent is disposed", () => {
    const t = Tensor.fromFloat32([4], new Float32Array([1, 2, 3, 4]));
    const v = t.rows(0, 1);
    const bytes = t.bytes();
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(Array.from(v.f32())).toEqual([1, 2, 3, 4]);
    expect(bytes[0]).toBe(new Uint8Array(new Float32Array([1]).buffer)[0]);
  });

  it("typed views are type-checked", () => {
    expectKernelError(() => Tensor.empty(GGMLType.I32, [2]).f32(), "INVALID_ARGUMENT", /f32\(\) needs an f32 tensor, this one is i32/);
    expectKernelError(() => Tensor.empty(GGMLType.F32, [2]).i32(), "INVALID_ARGUMENT", /i32\(\) needs an i32 tensor/);
    const ids = Tensor.empty(GGMLType.I32, [3]);
    ids.i32().set([7, -8, 9]);
    expect(Array.from(ids.i32())).toEqual([7, -8, 9]);
  });

  it("toFloat32() converts f32 and integer tensors", () => {
    expect(Array.from(Tensor.from(GGMLType.I8, [3], new Int8Array([-128, 0, 127])).toFloat32())).toEqual([-128, 0, 127]);
    expect(Array.from(Tensor.from(GGMLType.I16, [2], new Int16Array([-300, 300])).toFloat32())).toEqual([-300, 300]);
    expect(Array.from(Tensor.from(GGMLType.I32, [2], new Int32Array([-70000, 5])).toFloat32())).toEqual([-70000, 5]);
    const f = Tensor.fromFloat32([2], new Float32Array([1.5, -2]));
    const copy = f.toFloat32();
    copy[0] = 0;
    expect(f.f32()[0]).toBe(1.5);
  });

  it("cannot be constructed directly", () => {
    expectKernelError(() => new (Tensor as unknown as new () => unknown)(), "INVALID_ARGUMENT", /Tensor.empty/);
  });
});

describe("ops registry", () => {
  it("has the core ops registered", () => {
    expect(opNames()).toEqual(expect.arrayContaining(["matmul", "get_rows"]));
  });
});

describe("README", () => {
  it("the usage example runs", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, "README has a js example").toBeTruthy();
    const index = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "ryzen-readme-"));
    try {
      const file = join(dir, "example.mts");
      writeFileSync(file, code!.replace('"@ryzen/kernels"', JSON.stringify(index)));
      const out = execFileSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8" });
      expect(out).toMatch(/^ISA (scalar|avx2|avx512)/);
      expect(out).toMatch(/tokens 3,4 -> -?\d/);
      expect(out).toMatch(/pool bytes in use: \d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
