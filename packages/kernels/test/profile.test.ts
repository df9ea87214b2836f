// Plan profiler (setProfiling / profileStats / resetProfile) and the accounting of repacked
// matmul weights in memoryStats().prepared.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GGMLType, MappedFile, dequantize, Plan, Tensor, memoryStats, nodes, profileStats, quantize, resetProfile, setProfiling, setThreads } from "../src/index";
import { withEnv } from "./helpers/env";
import { randomFloats } from "./helpers/rng";

const K = 256, N = 32, n = 3;

function ternaryWeights(seed: number): Tensor {
  const f = randomFloats(K * N, seed).map((v) => (v > 0.3 ? 1 : v < -0.3 ? -1 : 0));
  return Tensor.from(GGMLType.TQ2_0, [K, N], quantize(GGMLType.TQ2_0, f, N, K));
}

afterEach(() => {
  setProfiling(false);
  resetProfile();
});

describe("plan profiler", () => {
  for (const threads of [1, 2]) {
    it(`counts each node phase once per run, with matmul weight bytes (${threads} thread(s))`, () => {
      setThreads(threads);
      const W = ternaryWeights(1).prepare();
      const x = Tensor.fromFloat32([K, n], randomFloats(K * n, 2));
      const y = Tensor.empty(GGMLType.F32, [N, n]);
      const z = Tensor.empty(GGMLType.F32, [N, n]);
      const plan = new Plan([nodes.matmul(y, W, x), nodes.add(z, y, y)]);
      plan.run(); // not profiled
      resetProfile();
      setProfiling(true);
      plan.run();
      plan.run();
      setProfiling(false);
      plan.run(); // not profiled either
      const stats = profileStats().filter((e) => e.calls > 0);
      const mm = stats.find((e) => e.label.startsWith(`matmul tq2_0 ${K}x${N} `));
      const add = stats.find((e) => e.label === "add");
      expect(mm?.calls).toBe(2);
      expect(add?.calls).toBe(2);
      expect(add?.bytes).toBe(0);
      expect(mm!.bytes).toBeGreaterThan(0);
      expect(mm!.bytes % 2).toBe(0); // the same bytes per call
      expect(mm!.ns).toBeGreaterThan(0);
      for (const e of stats) expect(e.op === "matmul" || e.op === "add").toBe(true);
      resetProfile();
      expect(profileStats().every((e) => e.calls === 0 && e.ns === 0 && e.bytes === 0)).toBe(true);
      plan.dispose();
    });
  }

  it("counts repacked weights in memoryStats().prepared until they are disposed", () => {
    const before = memoryStats().prepared;
    const W = ternaryWeights(3);
    expect(memoryStats().prepared).toBe(before);
    W.prepare();
    const grown = memoryStats().prepared - before;
    expect(grown).toBeGreaterThan(0);
    W.dispose();
    expect(memoryStats().prepared).toBe(before);
  });

  it("does not count weights whose matmul layout aliases the source bytes", () => {
    const before = memoryStats().prepared;
    // Q8_0 in llama.cpp's blocks (its x16 tiles, the AVX2 and AVX-512 default, are a copy)
    const W = withEnv("RYZEN_Q8_0_LAYOUT", "gguf", () =>
      Tensor.from(GGMLType.Q8_0, [K, N], quantize(GGMLType.Q8_0, randomFloats(K * N, 4), N, K)).prepare());
    expect(memoryStats().prepared).toBe(before);
    W.dispose();
  });

  it("a file-mapped source still reads its original bytes after prepare() released its pages", () => {
    const rows = 64, cols = 4096; // ~130 KB of TQ2_0: many whole pages
    const f = randomFloats(rows * cols, 5).map((v) => (v > 0.3 ? 1 : v < -0.3 ? -1 : 0));
    const bytes = quantize(GGMLType.TQ2_0, f, rows, cols);
    const dir = mkdtempSync(join(tmpdir(), "ryzen-prep-"));
    const path = join(dir, "w.bin");
    const offset = 1000; // not page-aligned: the partial first and last pages stay
    const file = new Uint8Array(offset + bytes.length + 777);
    file.set(bytes, offset);
    writeFileSync(path, file);
    const m = MappedFile.open(path);
    try {
      const W = m.tensor(GGMLType.TQ2_0, [cols, rows], offset).prepare();
      expect(Buffer.compare(Buffer.from(W.bytes()), Buffer.from(bytes))).toBe(0);
      expect(Array.from(W.toFloat32())).toEqual(Array.from(dequantize(GGMLType.TQ2_0, bytes, rows, cols)));
      W.dispose();
    } finally {
      m.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
