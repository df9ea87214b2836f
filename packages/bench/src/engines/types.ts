import { spread, spreads, type Spread } from "../stats.js";

/** Prefix of the one stdout line a worker process answers with. */
export const RESULT_MARKER = "@@ryzen-bench-result ";

export type EngineName = "ryzen" | "node-llama-cpp" | "llama.cpp" | "bitnet.cpp" | "ik_llama.cpp";
export type TestName = `pp${number}` | `tg${number}` | "ttft";
export type RowStatus = "ok" | "cannot-load" | "failed" | "not-run";

/** One measured (or refused) cell of the comparison: engine x file x threads x test. */
export interface BenchRow {
  engine: EngineName;
  /** model shape, e.g. "bitnet-2b4t" */
  model: string;
  /** weight format the engine read (tq2_0, tq1_0, i2_s, q4_0, q4_k, q8_0, iq2_bn) */
  format: string;
  threads: number;
  test: TestName;
  status: RowStatus;
  /** tokens per second (pp/tg) */
  tokensPerS?: Spread;
  /** milliseconds (ttft) */
  ms?: Spread;
  /** CPU time / wall time while measuring (effective threads); see README for how each engine's is taken */
  cpuPerWall?: Spread;
  /** this row's median in each round (index = round; null = not measured in that round), for paired ratios */
  rounds?: (number | null)[];
  peakRssMb?: number;
  reason?: string;
  file?: string;
  /** size of that file (decode reads about all of it per token: the tied head is a full matrix) */
  fileBytes?: number;
}

export interface ModelBenchOptions {
  promptTokens?: number[];
  genTokens?: number[];
  threads?: number;
  repetitions?: number;
  /** prompt length of the TTFT measurement (0 = skip) */
  ttftPromptTokens?: number;
  seed?: number;
  /** vocabulary size, for drawing prompt ids (read from the model when omitted) */
  vocabSize?: number;
  /** shortest run whose CPU time / wall time is recorded (default MIN_WALL_MS_IN_PROCESS, 200 ms) */
  cpuMinWallMs?: number;
}

export interface ModelBenchResult {
  engine: EngineName;
  file: string;
  threads: number;
  repetitions: number;
  /** per prompt length, e.g. { 128: spread } */
  pp_tokens_per_s: Record<number, Spread>;
  /** per generation length */
  tg_tokens_per_s: Record<number, Spread>;
  ttft_ms?: Spread;
  /** CPU time / wall time of each measured prefill / decode run (effective threads) */
  pp_cpu_per_wall?: Record<number, Spread>;
  tg_cpu_per_wall?: Record<number, Spread>;
  peak_rss_mb: number;
  load_ms: number;
  notes: string[];
}

/** Seeded prompt token ids below the special tokens (which sit at the end of the synthetic vocab). */
export function promptIds(n: number, vocabSize: number, seed: number): number[] {
  const ids: number[] = [];
  let x = (seed ^ 0x9e3779b9) >>> 0;
  const limit = Math.max(1, Math.min(vocabSize - 2, 32000));
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    ids.push(x % limit);
  }
  return ids;
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Raw samples of one in-process engine at one thread count, per prompt / generation length. */
export interface EngineSamples {
  pp: Record<number, (number | undefined)[]>;
  tg: Record<number, (number | undefined)[]>;
  ttft?: number[];
  ppCpu: Record<number, (number | undefined)[]>;
  tgCpu: Record<number, (number | undefined)[]>;
}

/** The result row of an in-process engine (Ryzen, node-llama-cpp): samples summarized, peak RSS now. */
export function engineResult(
  head: Pick<ModelBenchResult, "engine" | "file" | "threads" | "repetitions" | "load_ms" | "notes">,
  s: EngineSamples,
): ModelBenchResult {
  return {
    engine: head.engine,
    file: head.file,
    threads: head.threads,
    repetitions: head.repetitions,
    pp_tokens_per_s: spreads(s.pp),
    tg_tokens_per_s: spreads(s.tg),
    ttft_ms: s.ttft ? spread(s.ttft) : undefined,
    pp_cpu_per_wall: spreads(s.ppCpu),
    tg_cpu_per_wall: spreads(s.tgCpu),
    peak_rss_mb: peakRssMb(),
    load_ms: head.load_ms,
    notes: head.notes,
  };
}
