import { describe, expect, it } from "vitest";
import { bestPeer, computeRatios, evaluateGoals, threadUseNotes } from "../src/analysis.js";
import { spread, formatSpread } from "../src/stats.js";
import { roundRow, row, sampleRows } from "./helpers/fixtures.js";

describe("spread", () => {
  it("gives the median of odd and even sample counts and the range", () => {
    expect(spread([3, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toMatchObject({ median: 2.5, min: 1, max: 4 });
    expect(formatSpread(spread([10, 12, 11]))).toBe("11.0 (10.0–12.0)");
    expect(Number.isNaN(spread([]).median)).toBe(true);
  });
});

describe("ratios", () => {
  it("pairs each peer row with Ryzen's same-format row, else its best ternary row", () => {
    const ratios = computeRatios(sampleRows());
    const llama = ratios.find((r) => r.peer === "llama.cpp" && r.test === "tg128" && r.threads === 2)!;
    expect(llama.ryzenFormat).toBe("tq2_0");
    expect(llama.ratio).toBeCloseTo(40 / 27.6, 6);
    const ik = ratios.find((r) => r.peer === "ik_llama.cpp" && r.test === "pp128")!;
    expect(ik.ryzenFormat).toBe("tq2_0"); // Ryzen ran no iq2_bn: its best ternary format stands in
    expect(ik.ratio).toBeCloseTo(158 / 100.8, 6);
    // refused rows produce no ratio
    expect(ratios.some((r) => r.peerFormat === "i2_s")).toBe(false);
  });

  it("inverts TTFT (lower is better)", () => {
    const rows = [row("ryzen", "tq2_0", "ttft", 2, [100]), row("llama.cpp", "tq2_0", "ttft", 2, [250])];
    expect(computeRatios(rows)[0].ratio).toBeCloseTo(2.5, 6);
  });

  it("ignores Q4_0 when choosing the best peer", () => {
    const rows = [row("llama.cpp", "q4_0", "tg128", 2, [99]), row("llama.cpp", "tq2_0", "tg128", 2, [27])];
    expect(bestPeer(rows, "bitnet-2b4t", "tg128", 2)?.format).toBe("tq2_0");
  });
});

describe("goals", () => {
  it("computes PASS/FAIL from measured ratios against the best peer", () => {
    const goals = Object.fromEntries(evaluateGoals(sampleRows(), "bitnet-2b4t", "tg128", "pp128").map((g) => [g.id, g]));
    // decode 2t: 40 vs best peer ik 34.6 → 1.156 < 1.2
    expect(goals["decode-2t"].status).toBe("FAIL");
    expect(goals["decode-2t"].measured).toBeCloseTo(40 / 34.6, 6);
    // decode 1t: 31 vs best peer ik 19.9 → 1.558 ≥ 1.5
    expect(goals["decode-1t"].status).toBe("PASS");
    // prefill 2t: 158 vs ik 100.8 → 1.567
    expect(goals["prefill-2t"].status).toBe("PASS");
    // scaling: 158 / (2 × 82) = 0.963
    expect(goals["prefill-scaling"].measured).toBeCloseTo(158 / 164, 6);
    expect(goals["prefill-scaling"].status).toBe("PASS");
    expect(goals.ttft.status).toBe("PASS");
  });

  it("says N/A when a side was not measured", () => {
    const rows = sampleRows().filter((r) => r.engine === "ryzen");
    const goals = evaluateGoals(rows, "bitnet-2b4t", "tg128", "pp128");
    expect(goals.find((g) => g.id === "decode-2t")).toMatchObject({ status: "N/A", measured: null });
  });
});

import { timeBudget } from "../src/profile.js";

describe("time budget from kernel microbenchmarks", () => {
  it("predicts per-token matmul time from per-shape kernel times and relates it to the measured time", () => {
    const shapes = { "attn q/o": 100, "attn k/v": 30, "ffn gate/up": 250, "ffn down": 250 }; // µs per GEMV
    const kernelRows = [
      ...Object.entries(shapes).flatMap(([shape, us]) => [
        { kind: "gemv", shape, isa: "avx512", family: "mad", threads: 2, us },
        { kind: "gemv", shape, isa: "avx512", family: "lut", threads: 2, us: us * 2 }, // slower family ignored
      ]),
      { kind: "head", type: "q6_K", isa: "avx512", threads: 2, us: 9000 },
    ];
    const rows = [row("ryzen", "tq2_0", "tg128", 2, [25])]; // 40 ms per token
    const [b] = timeBudget(rows, { status: "ok", rows: kernelRows }, "avx512");
    // 30 layers x (2*100 + 2*30 + 2*250 + 250) µs + 9 ms head = 30.3 ms + 9 ms
    expect(b.matmulMs).toBeCloseTo(30 * 1.01 + 9, 6);
    expect(b.measuredMs).toBeCloseTo(40, 6);
    expect(b.matmulFraction).toBeCloseTo(39.3 / 40, 6);
    expect(b.effectiveGBs).toBeCloseTo((1.2e9 * 25) / 1e9, 6);
  });

  it("flags a prediction above the measured step (microbenchmarks on a slower machine state)", () => {
    const kernelRows = [
      ...["attn q/o", "attn k/v", "ffn gate/up", "ffn down"].map((shape) => ({ kind: "gemv", shape, isa: "avx512", threads: 2, us: 300 })),
      { kind: "head", type: "q6_K", isa: "avx512", threads: 2, us: 9000 },
    ];
    // 30 x 7 x 300 µs + 9 ms = 72 ms predicted, against 40 ms measured (25 tok/s) and 83 ms (12 tok/s)
    const [over] = timeBudget([row("ryzen", "tq2_0", "tg128", 2, [25])], { status: "ok", rows: kernelRows }, "avx512");
    expect(over.matmulFraction).toBeGreaterThan(1.05);
    expect(over.overPredicted).toBe(true);
    const [fine] = timeBudget([row("ryzen", "tq2_0", "tg128", 2, [12])], { status: "ok", rows: kernelRows }, "avx512"); // 83 ms
    expect(fine.overPredicted).toBe(false);
  });

  it("gives nothing when a shape was not benchmarked", () => {
    const rows = [row("ryzen", "tq2_0", "tg128", 2, [25])];
    expect(timeBudget(rows, { status: "ok", rows: [{ kind: "gemv", shape: "attn q/o", threads: 2, us: 1 }] }, null)).toEqual([]);
  });
});

describe("ratios paired by round", () => {
  // The machine switches bandwidth state between rounds: in round 1 Ryzen ran slow (28) while the
  // peer ran fast (27.6 is not its slow 20). The medians pair Ryzen's fast rounds with the peer's slow
  // ones; within each round the ratio is 1.40, 1.45, 2.00.
  const ryzen = roundRow("ryzen", "i2_s", "tg128", 1, [28, 40, 40]);
  const peer = roundRow("node-llama-cpp", "tq2_0", "tg128", 1, [20, 27.6, 20]);

  it("gives the per-round ratios, their median and the ratio of medians for each peer row", () => {
    const [r] = computeRatios([ryzen, peer]);
    expect(r.ratio).toBeCloseTo(40 / 20, 9);
    expect(r.perRound.map((x) => x!.toFixed(4))).toEqual([(28 / 20).toFixed(4), (40 / 27.6).toFixed(4), (40 / 20).toFixed(4)]);
    expect(r.pairedRatio).toBeCloseTo(40 / 27.6, 9);
  });

  it("decides a goal on the median of per-round ratios, showing the ratio of medians beside it", () => {
    const g = evaluateGoals([ryzen, peer], "bitnet-2b4t", "tg128", "pp128").find((x) => x.id === "decode-1t")!;
    expect(g.ratioOfMedians).toBeCloseTo(2.0, 9); // would PASS 1.5
    expect(g.measured).toBeCloseTo(40 / 27.6, 9); // 1.45: FAIL
    expect(g.status).toBe("FAIL");
    expect(g.perRound).toHaveLength(3);
    expect(g.detail).toContain("round 2 1.45 (40.0 / 27.6)");
  });

  it("chooses Ryzen's best format and the best peer by median, then pairs those two round by round", () => {
    const rows = [
      roundRow("ryzen", "i2_s", "tg128", 2, [45, 30, 44]),
      roundRow("ryzen", "tq2_0", "tg128", 2, [40, 38, 41]),
      roundRow("ik_llama.cpp", "iq2_bn", "tg128", 2, [36, 25, 30]),
      roundRow("bitnet.cpp", "i2_s", "tg128", 2, [28, 29, 33]),
    ];
    const g = evaluateGoals(rows, "bitnet-2b4t", "tg128", "pp128").find((x) => x.id === "decode-2t")!;
    // i2_s (median 44) against ik_llama.cpp (median 30) in every round, even where another row was higher
    expect(g.perRound!.map((x) => x!.toFixed(4))).toEqual([(45 / 36).toFixed(4), (30 / 25).toFixed(4), (44 / 30).toFixed(4)]);
    expect(g.measured).toBeCloseTo(45 / 36, 9); // median of 1.25, 1.20, 1.47
    expect(g.status).toBe("PASS");
    expect(g.detail).toContain("Ryzen i2_s vs best peer ik_llama.cpp iq2_bn");
    // medians: Ryzen i2_s 44 vs ik 30
    expect(g.ratioOfMedians).toBeCloseTo(44 / 30, 9);
  });

  it("leaves out rounds where a side was not measured, and says N/A when no round has both", () => {
    const rows = [roundRow("ryzen", "i2_s", "tg128", 1, [30, null, 32]), roundRow("llama.cpp", "tq2_0", "tg128", 1, [20, 21, null])];
    const g = evaluateGoals(rows, "bitnet-2b4t", "tg128", "pp128").find((x) => x.id === "decode-1t")!;
    expect(g.perRound).toEqual([1.5, null, null]);
    expect(g.measured).toBe(1.5);
    const none = [roundRow("ryzen", "i2_s", "tg128", 1, [30, null]), roundRow("llama.cpp", "tq2_0", "tg128", 1, [null, 21])];
    expect(evaluateGoals(none, "bitnet-2b4t", "tg128", "pp128").find((x) => x.id === "decode-1t")).toMatchObject({ status: "N/A", measured: null });
  });

  it("pairs 1- and 2-thread prefill of the same round for the scaling goal", () => {
    const rows = [roundRow("ryzen", "tq2_0", "pp128", 1, [100, 140, 100]), roundRow("ryzen", "tq2_0", "pp128", 2, [190, 200, 180])];
    const g = evaluateGoals(rows, "bitnet-2b4t", "tg128", "pp128").find((x) => x.id === "prefill-scaling")!;
    expect(g.perRound!.map((x) => x!.toFixed(4))).toEqual(["0.9500", (200 / 280).toFixed(4), "0.9000"]);
    expect(g.measured).toBeCloseTo(0.9, 9);
    expect(g.ratioOfMedians).toBeCloseTo(190 / 200, 9);
  });
});

describe("effective threads", () => {
  const withCpu = (r: ReturnType<typeof row>, cpu: number) => ({ ...r, cpuPerWall: spread([cpu]) });
  it("flags rows whose CPU time / wall time is far from the thread count asked for", () => {
    const notes = threadUseNotes([
      withCpu(row("ryzen", "i2_s", "tg128", 1, [30]), 1.0),
      withCpu(row("node-llama-cpp", "tq2_0", "tg128", 1, [25]), 1.93),
      withCpu(row("llama.cpp", "tq2_0", "tg128", 2, [27]), 1.2),
      withCpu(row("ik_llama.cpp", "iq2_bn", "tg128", 2, [36]), 1.97),
      row("bitnet.cpp", "i2_s", "tg128", 1, [18]),
    ]);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/^node-llama-cpp tq2_0 tg128 at 1 thread\(s\) kept 1\.93 cores busy.*more threads than asked/);
    expect(notes[1]).toMatch(/^llama\.cpp tq2_0 tg128 at 2 thread\(s\) kept 1\.20 cores busy.*fewer than asked/);
  });
});
