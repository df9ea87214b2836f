// `ryzen bench` measures through @ryzen/bench's runModelBench (the same code path as the
// workspace benchmark: llama-bench-style pp from an empty context and tg from a one-token
// prompt with EOS banned, R repetitions after a warm-up), reduced to one pp and one tg test.
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Io } from "./command.js";

export interface BenchOptions {
  promptTokens: number;
  genTokens: number;
  threads?: number;
  repetitions: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface BenchReport {
  model: string;
  model_bytes: number;
  cpu: string;
  isa: string;
  /** ternary prefill on AMX tiles (Intel Xeon; @ryzen/kernels cpuInfo().amx) */
  amx: boolean;
  threads: number;
  prompt_tokens: number;
  gen_tokens: number;
  repetitions: number;
  /** medians */
  pp_tokens_per_s: number;
  tg_tokens_per_s: number;
  pp_spread: Spread;
  tg_spread: Spread;
  load_ms: number;
  peak_rss_mb: number;
  notes: string[];
}

export async function benchModel(path: string, opts: BenchOptions, io: Io): Promise<BenchReport> {
  const [{ runModelBench }, { cpuInfo }] = await Promise.all([import("@ryzen/bench"), import("@ryzen/kernels")]);
  if (io.stderr.isTTY) {
    io.stderr.write(`benchmarking pp${opts.promptTokens} and tg${opts.genTokens}, ${opts.repetitions} repetitions…\n`);
  }
  const r = await runModelBench(path, {
    promptTokens: [opts.promptTokens],
    genTokens: [opts.genTokens],
    threads: opts.threads,
    repetitions: opts.repetitions,
    ttftPromptTokens: 0,
  });
  const pp = r.pp_tokens_per_s[opts.promptTokens] as Spread;
  const tg = r.tg_tokens_per_s[opts.genTokens] as Spread;
  const cpu = cpuInfo();
  return {
    model: basename(path),
    model_bytes: (await stat(path)).size,
    cpu: cpu.brand,
    isa: cpu.isa,
    amx: cpu.amx,
    threads: r.threads,
    prompt_tokens: opts.promptTokens,
    gen_tokens: opts.genTokens,
    repetitions: r.repetitions,
    pp_tokens_per_s: pp.median,
    tg_tokens_per_s: tg.median,
    pp_spread: pp,
    tg_spread: tg,
    load_ms: r.load_ms,
    peak_rss_mb: r.peak_rss_mb,
    notes: r.notes,
  };
}
