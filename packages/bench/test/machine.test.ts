import { describe, expect, it } from "vitest";
import { machineInfo, measureBandwidth } from "../src/machine.js";
import { toRows } from "../src/kernel-bench.js";

describe("machine info", () => {
  it("reports CPU, cores and the ISA path chosen by @ryzen/kernels", async () => {
    const m = await machineInfo();
    expect(m.cpuModel.length).toBeGreaterThan(0);
    expect(m.logicalCores).toBeGreaterThan(0);
    expect(["scalar", "avx2", "avx512"]).toContain(m.isa);
    // AMX tiles only on the AVX-512 path of a CPU whose flags list amx_int8
    if (m.amx) expect(m.isa === "avx512" && m.flags.includes("amx_int8")).toBe(true);
    expect(m.loadavg).toHaveLength(3);
  });

  it("measures read bandwidth with the kernels' probe (one result per thread count)", async () => {
    const notes: string[] = [];
    const bw = await measureBandwidth([1], notes);
    expect(notes).toEqual([]);
    expect(bw).toHaveLength(1);
    expect(bw[0].threads).toBe(1);
    expect(bw[0].gbPerS).toBeGreaterThan(0);
  });
});

describe("kernel bench rows", () => {
  it("flattens gemv/gemm/head lists into one table with a kind column", () => {
    const rows = toRows({ bandwidth: {}, gemv: [{ shape: "ffn", gbs: 20 }], gemm: [{ shape: "ffn", gops: 500 }], head: [] });
    expect(rows).toEqual([
      { kind: "gemv", shape: "ffn", gbs: 20 },
      { kind: "gemm", shape: "ffn", gops: 500 },
    ]);
    expect(toRows([{ a: 1 }, null])).toEqual([{ a: 1 }]);
    expect(toRows(undefined)).toEqual([]);
  });
});
