import type { BenchReport } from "../../src/run.js";
import type { BenchRow } from "../../src/engines/types.js";
import { computeRatios, evaluateGoals } from "../../src/analysis.js";
import { spread } from "../../src/stats.js";
import type { RoundRecord } from "../../src/rounds.js";

export function row(engine: BenchRow["engine"], format: string, test: BenchRow["test"], threads: number, samples: number[], model = "bitnet-2b4t"): BenchRow {
  const s = spread(samples);
  return test === "ttft"
    ? { engine, model, format, test, threads, status: "ok", ms: s }
    : { engine, model, format, test, threads, status: "ok", tokensPerS: s, peakRssMb: 900, fileBytes: 1.2e9 };
}

/** A merged row as rounds produce it: one value per round (null = that round did not measure it). */
export function roundRow(engine: BenchRow["engine"], format: string, test: BenchRow["test"], threads: number, perRound: (number | null)[]): BenchRow {
  const r = row(engine, format, test, threads, perRound.filter((x): x is number => x !== null));
  return { ...r, rounds: perRound };
}

/** Two rounds of two jobs, as runRounds records them. */
export function sampleRounds(): RoundRecord[] {
  const bw = (g: number) => [
    { gbPerS: g, threads: 1, source: "test" },
    { gbPerS: g + 4, threads: 2, source: "test" },
  ];
  return [
    { round: 1, startedAt: "2026-01-01T00:00:00.000Z", seconds: 120, bandwidth: bw(23.5), jobs: [
      { id: "ryzen tq2_0", model: "bitnet-2b4t", startedAt: "2026-01-01T00:00:01.000Z", seconds: 60, bandwidth1t: 23.4, outcome: "ok" },
      { id: "llama.cpp tq2_0", model: "bitnet-2b4t", startedAt: "2026-01-01T00:01:01.000Z", seconds: 59, bandwidth1t: 33.9, outcome: "ok" },
    ] },
    { round: 2, startedAt: "2026-01-01T00:02:00.000Z", seconds: 118, bandwidth: bw(34.1), jobs: [
      { id: "llama.cpp tq2_0", model: "bitnet-2b4t", startedAt: "2026-01-01T00:02:01.000Z", seconds: 58, bandwidth1t: 34.0, outcome: "ok" },
      { id: "ryzen tq2_0", model: "bitnet-2b4t", startedAt: "2026-01-01T00:03:00.000Z", seconds: 60, bandwidth1t: 34.2, outcome: "ok" },
    ] },
  ];
}

/** A report with hand-made numbers (no engine runs): for the renderers. */
export function syntheticReport(rows: BenchRow[], rounds: RoundRecord[] = sampleRounds()): BenchReport {
  return {
    schema: "ryzen-bench/2",
    mode: "full",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:10:00.000Z",
    command: "ryzen-bench",
    settings: { models: ["bitnet-2b4t"], types: ["tq2_0", "i2_s"], threads: [1, 2], repetitions: 3, order: "interleaved", promptTokens: [128, 512], genTokens: [64, 128], ttftPromptTokens: 32, seed: 1 },
    machine: {
      cpuModel: "AMD Test <CPU> & co",
      flags: ["avx2", "avx512f"],
      logicalCores: 2,
      physicalCores: 2,
      memoryGiB: 24,
      isa: "avx512",
      isaAvailable: ["scalar", "avx2", "avx512"],
      amx: false,
      loadavg: [1, 1, 1],
      kernel: "6.1",
      node: "v20",
      bandwidth: [
        { gbPerS: 30, threads: 1, source: "test" },
        { gbPerS: 38, threads: 2, source: "test" },
      ],
      notes: [],
    },
    rounds,
    bandwidthAfter: [],
    models: [],
    rows,
    ratios: computeRatios(rows),
    goals: evaluateGoals(rows, "bitnet-2b4t", "tg128", "pp128"),
    goalModel: "bitnet-2b4t",
    kernels: { status: "ok", rows: [{ kind: "gemv", kernel: "tq2_0.vnni", shape: "2560x6912", "GB/s": 28.5 }] },
    budget: [{ phase: "decode", threads: 2, format: "tq2_0", measuredMs: 25, matmulMs: 20, matmulFraction: 0.8, overPredicted: false, bytesPerToken: 8.1e8, effectiveGBs: 32.4 }],
    tokenizer: { status: "unavailable", reason: "test" },
    peers: [{ engine: "llama.cpp", status: "used", detail: "/x/llama-bench" }],
    notes: ["synthetic numbers"],
  };
}

export function sampleRows(): BenchRow[] {
  return [
    row("ryzen", "tq2_0", "pp128", 1, [80, 82, 85]),
    row("ryzen", "tq2_0", "pp128", 2, [150, 160, 158]),
    row("ryzen", "tq2_0", "tg128", 1, [31, 32, 30]),
    row("ryzen", "tq2_0", "tg128", 2, [40, 41, 39]),
    row("ryzen", "tq2_0", "ttft", 2, [210, 200, 220]),
    row("llama.cpp", "tq2_0", "pp128", 1, [26]),
    row("llama.cpp", "tq2_0", "pp128", 2, [51.6]),
    row("llama.cpp", "tq2_0", "tg128", 1, [19.1]),
    row("llama.cpp", "tq2_0", "tg128", 2, [27.6]),
    row("ik_llama.cpp", "iq2_bn", "pp128", 2, [100.8]),
    row("ik_llama.cpp", "iq2_bn", "tg128", 2, [34.6]),
    row("ik_llama.cpp", "iq2_bn", "tg128", 1, [19.9]),
    { engine: "llama.cpp", model: "bitnet-2b4t", format: "i2_s", test: "pp128", threads: 1, status: "cannot-load", reason: "unknown type i2_s" },
  ];
}
