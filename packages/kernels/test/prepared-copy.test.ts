// Large weights that keep their file layout (e.g. a Q8_0/Q6_K output head) are copied at prepare()
// into huge-page memory, and both the matmul and get_rows (a tied embedding) read that copy: the
// results must equal those of the same tensor held in ordinary memory, and memoryStats().prepared
// must account for the copy while it lives. Q8_0 / Q4_0 / Q4_K / Q6_K weights repacked into x16 tiles
// (their default on AVX-512) are copies too: get_rows then decodes rows from the tiles.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GGMLType, MappedFile, Tensor, memoryStats, quantize, runOp } from "../src/index";
import { withEnv } from "./helpers/env";

const dir = mkdtempSync(join(tmpdir(), "ryzen-prepared-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seeded(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return new Float32Array(n).map(() => {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (a / 2 ** 32 - 0.5) * 0.2;
  });
}

describe("prepare() of a large file-mapped weight: a copy in huge pages", () => {
  // [name, type, value of RYZEN_<TYPE>_LAYOUT]
  it.each([
    ["q8_0", GGMLType.Q8_0, "gguf"],
    ["q8_0", GGMLType.Q8_0, "x16"],
    ["q6_K", GGMLType.Q6_K, "gguf"],
    ["q6_K", GGMLType.Q6_K, "x16"],
    ["q4_K", GGMLType.Q4_K, "x16"],
    ["q4_0", GGMLType.Q4_0, "x16"],
  ] as const)("%s (layout %s): matmul and get_rows read the copy (not the clobbered mapping) and match ordinary memory", (name, type, layout) => {
    withEnv(`RYZEN_${name.toUpperCase()}_LAYOUT`, layout, () => checkCopy(type, layout === "x16"));
  });
});

function checkCopy(type: number, repacked: boolean): void {
  const K = 1024, N = 4000; // > 2 MB in every type
  const bytes = quantize(type, seeded(K * N, 7), N, K);
  expect(bytes.byteLength).toBeGreaterThan(2 << 20);
  const offset = 4096;
  const path = join(dir, `w${type}.bin`);
  const file = new Uint8Array(offset + bytes.byteLength);
  file.set(bytes, offset);
  writeFileSync(path, file);

  const mapped = MappedFile.open(path);
  const fromFile = mapped.tensor(type, [K, N], offset);
  const inMemory = Tensor.from(type, [K, N], bytes);
  const prepared0 = memoryStats().prepared;
  fromFile.prepare();
  const copyBytes = memoryStats().prepared - prepared0;
  if (repacked) expect(copyBytes).toBeGreaterThanOrEqual(bytes.byteLength); // 16-row tiles: the same bytes per row, rows padded
  else expect(copyBytes).toBe(bytes.byteLength);
  inMemory.prepare();
  // ordinary memory is aliased when it keeps its file layout, repacked otherwise
  expect(memoryStats().prepared - prepared0).toBe(repacked ? 2 * copyBytes : copyBytes);

  // Clobber this process's view of the file bytes: only reads from the prepared copy stay right.
  fromFile.bytes().fill(0);

  const n = 3;
  const x = Tensor.fromFloat32([K, n], seeded(K * n, 9));
  const ids = Tensor.from(GGMLType.I32, [4], new Int32Array([0, 1, N - 1, 1234]));
  const run = (w: Tensor) => {
    const y = Tensor.empty(GGMLType.F32, [N, n]);
    const rows = Tensor.empty(GGMLType.F32, [K, 4]);
    runOp("matmul", [y, w, x]);
    runOp("get_rows", [rows, w, ids]);
    return { y: Array.from(y.f32()), rows: Array.from(rows.f32()) };
  };
  const a = run(fromFile), b = run(inMemory);
  expect(a.y).toEqual(b.y);
  expect(a.rows).toEqual(b.rows);
  expect(a.rows.some((v) => v !== 0)).toBe(true);

  fromFile.dispose();
  inMemory.dispose();
  mapped.dispose();
}
