import { describe, expect, it } from "vitest";
import { bestPeer, computeRatios, evaluateGoals } from "../src/analysis.js";
import { spread, formatSpread } from "../src/stats.js";
import { row, sampleRows } from "./helpers/fixtures.js";

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

  it("gives nothing when a shape was not benchmarked", () => {
    const rows = [row("ryzen", "tq2_0", "tg128", 2, [25])];
    expect(timeBudget(rows, { status: "ok", rows: [{ kind: "gemv", shape: "attn q/o", threads: 2, us: 1 }] }, null)).toEqual([]);
  });
});
