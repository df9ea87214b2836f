// The kernel benchmark script: its bar summary picks the better family per shape and compares with
// the goals, and a tiny run produces rows for every requested case. (It asserts no
// timing: speed is the benchmark's business, not a test's.)
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain .mjs script without type declarations
import { barChecks, formatKernelBench, pairedPct, parseArgs, runKernelBench, USAGE } from "../bench/kernels-bench.mjs";
import { cpuInfo } from "../src/index";
import { defaultLayout } from "./helpers/ternary-layout";

type Row = Record<string, unknown>;
const report = (gemv: Row[], gemm: Row[]) => ({ machine: {}, bandwidth: {}, peak: {}, head: [], notes: [], gemv, gemm });

describe("kernel benchmark", () => {
  it("checks each bar on the better family of each shape", () => {
    const r = report(
      [
        { isa: "avx512", shape: "q/o", family: "lut", threads: 1, bwPct: 72 },
        { isa: "avx512", shape: "q/o", family: "mad", threads: 1, bwPct: 15 },
        { isa: "avx512", shape: "q/o", family: "lut", threads: 2, bwPct: 84 },
        { isa: "avx2", shape: "q/o", family: "lut", threads: 2, bwPct: 99 },
      ],
      [{ isa: "avx512", shape: "q/o", family: "mad", threads: 2, peakPct: 80 }],
    );
    const bars = barChecks(r) as { bar: string; value: number; pass: boolean }[];
    expect(bars.map((b) => [b.bar, b.value, b.pass])).toEqual([
      ["GEMV 1T >= 70% of read bw (avx512)", 72, true],
      ["GEMV 2T >= 85% of read bw (avx512)", 84, false],
      ["GEMM n=128 2T >= 80% of int8 peak (avx512)", 80, true],
    ]);
  });

  it("counts only the families on the layout the engine prepares by default, when the run knows it", () => {
    const row = { isa: "avx512", shape: "q/o", threads: 2, K: 2560, N: 2560, us: 60, gbs: 25, readGbs: 29 };
    const gemv = [
      { ...row, family: "lut", bwPct: 76 },
      { ...row, family: "t2", bwPct: 92 },
    ];
    const on = (layout: string) => (barChecks({ ...report(gemv, []), layout: { avx512: layout } }) as { value: number }[])[0].value;
    expect([on("t3"), on("t2")]).toEqual([76, 92]);
    expect((barChecks(report(gemv, [])) as { value: number }[])[0].value).toBe(92); // layout unknown: every family
    expect(formatKernelBench({ ...report(gemv, []), layout: { avx512: "t3" } })).toMatch(/on the layout it prepares by default, t3\)/);
  });

  it("does not count a 2-thread GEMM row whose probe ran at one core's rate", () => {
    const gemm = [
      { isa: "avx512", shape: "q/o", family: "mad", threads: 2, peakGops: 950, peakPct: 99 },
      { isa: "avx512", shape: "q/o", family: "lut", threads: 2, peakGops: 1900, peakPct: 41 },
    ];
    const r = { ...report([], gemm), peak: { avx512: { 1: { gops: 940 }, 2: { gops: 1880 } } } };
    const bars = barChecks(r) as { value: number; pass: boolean }[];
    expect(bars.map((b) => [b.value, b.pass])).toEqual([[41, false]]);
    const alone = { ...r, gemm: [gemm[0]] };
    expect((barChecks(alone) as { value: number; pass: boolean; note: string }[]).map((b) => [b.pass, b.note])).toEqual([[false, "no 2-core sample"]]);
  });

  it("checks 2-thread scaling on the multiply-add GEMM, beside the int8 probe's own", () => {
    const row = { isa: "avx512", shape: "q/o", family: "mad", K: 2560, N: 2560, n: 128, ms: 1, peakPct: 80 };
    const gemm = [
      { ...row, threads: 1, gops: 700, peakGops: 940 },
      { ...row, threads: 2, gops: 1300, peakGops: 1880 },
      { ...row, family: "amx", threads: 1, gops: 1700, peakGops: 940 },
      { ...row, family: "amx", threads: 2, gops: 3400, peakGops: 1880 },
    ];
    const r = { ...report([], gemm), peak: { avx512: { 1: { gops: 940 }, 2: { gops: 1880 } } } };
    const scaling = (barChecks(r) as { bar: string; value: number; pass: boolean; context: string }[]).filter((b) => b.bar.includes("2T/1T"));
    expect(scaling.map((b) => [b.bar, b.value.toFixed(3), b.pass, b.context])).toEqual([
      ["GEMM n=128 2T/1T >= 1.9x (avx512 mad)", (1300 / 700).toFixed(3), false, "int8 probe 2.00x"],
    ]);
    expect(formatKernelBench(r)).toMatch(/2T\/1T >= 1\.9x \(avx512 mad\) +q\/o +1\.86x +MISS \(int8 probe 2\.00x\)/);
    // paired 1-/2-thread rounds decide when the report has them (the best rounds above said 1.86x)
    const paired = { ...r, scaling: [{ isa: "avx512", shape: "q/o", family: "mad", ratio: 1.95, rounds: 9 }] };
    expect(formatKernelBench(paired)).toMatch(/2T\/1T >= 1\.9x \(avx512 mad\) +q\/o +1\.95x +pass \(int8 probe 2\.00x\)/);
    // a 2-thread row whose probe ran at one core's rate does not count
    const slow = { ...r, gemm: [gemm[0], { ...gemm[1], gops: 1400, peakGops: 950 }] };
    const bar = (barChecks(slow) as { bar: string; pass: boolean; note: string }[]).find((b) => b.bar.includes("2T/1T"));
    expect([bar?.pass, bar?.note]).toEqual([false, "no 2-core sample"]);
  });

  it("says when a GEMV row's read probe caught a high-bandwidth window of the host", () => {
    const row = { isa: "avx512", family: "lut", threads: 2, K: 2560, us: 10, gbs: 35 };
    const gemv = [
      { ...row, shape: "k/v", N: 640, bwPct: 45, readGbs: 78 },
      { ...row, shape: "q/o", N: 2560, bwPct: 80, readGbs: 46 },
    ];
    const r = { ...report(gemv, []), bandwidth: { avx512: { 2: { gbs: 42 } } }, peak: { avx512: { 2: { gops: 1900 } } } };
    const bars = barChecks(r) as { shape: string; pass: boolean; note: string }[];
    expect(bars.map((b) => [b.shape, b.pass])).toEqual([["k/v", false], ["q/o", false]]);
    expect(bars[0].note).toMatch(/78\.0 GB\/s, 1\.9x the run's 42\.0/);
    expect(bars[1].note).toBe("");
    expect(formatKernelBench(r)).toMatch(/k\/v +45\.0% +MISS: this row's read probe hit 78\.0 GB\/s/);
  });

  it("prints a bar's ratio with one decimal, so a near miss does not read as the goal", () => {
    const r = report([{ isa: "avx512", shape: "k/v", family: "lut", threads: 2, K: 2560, N: 640, us: 9, gbs: 40, readGbs: 47.3, bwPct: 84.6 }], []);
    expect(formatKernelBench(r)).toMatch(/GEMV 2T >= 85% of read bw \(avx512\) +k\/v +84\.6% +MISS/);
  });

  it("reads its command line into options and names a bad option or value", () => {
    expect(parseArgs(["--", "--isa", "avx2,avx512", "--threads", "1,2", "--family", "t2", "--only", "gemm", "--shapes", "k/v", "--mb", "64"])).toEqual({
      json: false, isas: ["avx2", "avx512"], threads: [1, 2], families: ["t2"], only: "gemm", shapes: ["k/v"], mb: 64,
    });
    expect(parseArgs(["--help"]).help).toBe(true);
    expect(USAGE).toContain("--family");
    for (const [args, message] of [
      [["--mb", "x"], "--mb: expected a positive integer, got 'x'"],
      [["--reps"], "--reps: expected a positive integer, got ''"],
      [["--threads", "1,0"], "--threads: expected a positive integer, got '0'"],
      [["--isa", "avx9"], "--isa: expected a comma-separated list of scalar, avx2, avx512, got 'avx9'"],
      [["--family", "lut,tmac"], "--family: expected a comma-separated list of lut, mad, amx, t2, got 'lut,tmac'"],
      [["--only", "gemx"], "--only: expected gemv or gemm, got 'gemx'"],
      [["--shapes", "zz"], "--shapes: no shape matches 'zz'"],
      [["--bogus"], "unknown option --bogus"],
    ] as const)
      expect(() => parseArgs([...args]), args.join(" ")).toThrow(message);
  });

  it("pairs each kernel round with the probe round before it", () => {
    // equal work: per-round ratios 0.5, 0.5, 1 (the second round's slow host slows both)
    expect(pairedPct({ times: [1, 2, 1] }, 10, { times: [2, 4, 1] }, 10)).toBe(50);
    // the kernel does twice the probe's work per round in the same time: 200 %
    expect(pairedPct({ times: [1, 3] }, 1, { times: [1, 3] }, 2)).toBe(200);
  });

  it("a tiny 1- and 2-thread run pairs the two thread counts of the multiply-add GEMM per ISA", () => {
    const r = runKernelBench({ threads: [1, 2], mb: 1, reps: 1, shapes: ["k/v"], head: false, fused: false, families: ["mad"], only: "gemm" });
    const isas = Object.keys(r.bandwidth);
    expect(r.scaling.map((x: { isa: string }) => x.isa)).toEqual(isas);
    for (const x of r.scaling as { shape: string; family: string; ratio: number; rounds: number }[]) {
      expect([x.shape, x.family, x.rounds]).toEqual(["attn k/v", "mad", 3]);
      expect(x.ratio).toBeGreaterThan(0);
    }
  });

  it("a tiny run gives a row per ISA, family and thread count, and a bar summary", () => {
    const r = runKernelBench({ threads: [1], mb: 1, reps: 1, shapes: ["k/v"], head: false, fused: false });
    const isas = Object.keys(r.bandwidth);
    // lut, mad and t2 on every ISA; amx (GEMM only) on AVX-512 where AMX is usable
    const rows = isas.length * 3;
    const amx = isas.includes("avx512") && cpuInfo().amx ? 1 : 0;
    expect(r.gemv).toHaveLength(rows);
    expect(r.gemm).toHaveLength(rows + amx);
    expect(r.gemm.filter((g: { family: string }) => g.family === "amx")).toHaveLength(amx);
    // the default layout per ISA (see helpers/ternary-layout.ts)
    for (const isa of isas) expect(r.layout[isa]).toBe(defaultLayout(isa as "scalar" | "avx2" | "avx512"));
    for (const row of [...r.gemv, ...r.gemm]) expect(row.shape).toBe("attn k/v");
    // each GEMV row also carries the read probe cut into ops of the row's op size
    for (const row of r.gemv as { pieceReadGbs: number; pieceBwPct: number }[]) {
      expect(row.pieceReadGbs).toBeGreaterThan(0);
      expect(Number.isFinite(row.pieceBwPct)).toBe(true);
    }
    // and its ratio paired round by round with the probe (GEMM rows only where a peak probe exists)
    for (const row of r.gemv as { bwPairedPct: number }[]) expect(row.bwPairedPct).toBeGreaterThan(0);
    for (const row of r.gemm as { isa: string; peakPairedPct: number }[])
      expect(row.isa === "scalar" || row.peakPairedPct > 0).toBe(true);
    expect(formatKernelBench(r)).toContain(isas.length > 0 ? "bars (issue #2" : "ternary GEMV");
  });
});
