// The memory pool: statistics follow allocations, dispose() returns memory, views and
// ArrayBuffers keep memory alive until they are collected.
import { describe, expect, it } from "vitest";
import { GGMLType, Plan, Tensor, memoryStats } from "../src/index";
import { collectGarbage } from "./helpers/gc";

const round64 = (n: number) => Math.ceil(n / 64) * 64;

describe("memory pool", () => {
  it("counts used bytes (64-byte granules) and returns them on dispose", () => {
    const base = memoryStats();
    const a = Tensor.empty(GGMLType.F32, [100]);   // 400 -> 448
    const b = Tensor.empty(GGMLType.Q8_0, [64, 3]); // 204 -> 256
    const s = memoryStats();
    expect(s.used - base.used).toBe(round64(400) + round64(204));
    expect(s.reserved).toBeGreaterThanOrEqual(s.used);
    expect(s.peak).toBeGreaterThanOrEqual(s.used);
    a.dispose();
    b.dispose();
    expect(memoryStats().used).toBe(base.used);
  });

  it("allocate/dispose in a loop returns to the baseline and reuses cached blocks", () => {
    const base = memoryStats();
    for (let k = 0; k < 200; k++) {
      const ts = [Tensor.empty(GGMLType.F32, [1000 + (k % 7)]), Tensor.fromFloat32([3, 5], new Float32Array(15))];
      expect(memoryStats().used).toBeGreaterThan(base.used);
      for (const t of ts) t.dispose();
    }
    const after = memoryStats();
    expect(after.used).toBe(base.used);
    // blocks of the same sizes were recycled, not reserved anew each iteration
    expect(after.reserved - base.reserved).toBeLessThan(64 * 1024);
  });

  it("recycled blocks come back zeroed, small and large", () => {
    for (const floats of [1000, 1 << 20]) {
      const a = Tensor.empty(GGMLType.F32, [floats]);
      a.f32().fill(7);
      a.dispose();
      const b = Tensor.empty(GGMLType.F32, [floats]);
      expect(b.f32().every((v) => v === 0)).toBe(true);
      b.dispose();
    }
  });

  it("frees blocks beyond the cache cap back to the OS", () => {
    // 320 blocks just under the large-block threshold: more than the 256 MiB kept for reuse
    const base = memoryStats();
    const ts = Array.from({ length: 320 }, () => Tensor.empty(GGMLType.I8, [(1 << 20) - 64]));
    expect(memoryStats().used - base.used).toBe(320 * ((1 << 20) - 64));
    for (const t of ts) t.dispose();
    const after = memoryStats();
    expect(after.used).toBe(base.used);
    expect(after.reserved - base.reserved).toBeLessThanOrEqual(256 << 20);
  });

  it("tracks and resets the peak", () => {
    const s0 = memoryStats();
    s0.resetPeak();
    const big = Tensor.empty(GGMLType.F32, [1 << 20]);
    const s1 = memoryStats();
    expect(s1.peak).toBeGreaterThanOrEqual(s0.used + (4 << 20));
    big.dispose();
    const s2 = memoryStats();
    expect(s2.peak).toBe(s1.peak);
    s2.resetPeak();
    expect(memoryStats().peak).toBe(memoryStats().used);
  });

  it("a bytes() view keeps disposed memory alive until it is collected", async () => {
    await collectGarbage();
    const base = memoryStats().used;
    const t = Tensor.fromFloat32([1024], new Float32Array(1024).fill(3));
    let view: Float32Array | undefined = t.f32();
    t.dispose();
    expect(memoryStats().used).toBe(base + 4096);
    expect(view[1023]).toBe(3); // still readable
    view = undefined;
    await collectGarbage();
    expect(memoryStats().used).toBe(base);
  });

  it("tensors garbage-collected without dispose() are freed too", async () => {
    await collectGarbage();
    const base = memoryStats().used;
    (() => {
      for (let k = 0; k < 50; k++) Tensor.empty(GGMLType.F32, [256]);
    })();
    expect(memoryStats().used).toBe(base + 50 * 1024);
    await collectGarbage();
    expect(memoryStats().used).toBe(base);
  });

  it("a plan keeps its tensors alive; disposing the plan releases them", async () => {
    await collectGarbage();
    const base = memoryStats().used;
    const x = Tensor.fromFloat32([64, 1], new Float32Array(64).fill(1));
    const w = Tensor.fromFloat32([64, 2], new Float32Array(128).fill(2));
    const y = Tensor.empty(GGMLType.F32, [2, 1]);
    const plan = new Plan([{ op: "matmul", t: [y, w, x] }]);
    const yView = y.f32();
    for (const t of [x, w, y]) t.dispose();
    plan.run();
    expect(Array.from(yView)).toEqual([128, 128]);
    plan.dispose();
    await collectGarbage();
    // only y survives (through yView); x and w went back to the pool
    expect(memoryStats().used - base).toBe(64);
  });
});
