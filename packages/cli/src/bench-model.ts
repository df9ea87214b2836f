// Measures one model like llama-bench: pp = a prompt of random tokens evaluated in one batch
// from an empty context, tg = tokens generated one at a time; R repetitions after a warm-up,
// reported as median and min–max, plus peak RSS and the CPU/ISA the kernels picked.
import { basename } from "node:path";
import { stat } from "node:fs/promises";
import type { Io } from "./command.js";
import { loadModelFromArg } from "./load-model.js";
import { createProgress } from "./progress.js";

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
}

export interface BenchReport {
  model: string;
  model_bytes: number;
  cpu: string;
  isa: string;
  threads: number;
  prompt_tokens: number;
  gen_tokens: number;
  repetitions: number;
  pp_tokens_per_s: number;
  tg_tokens_per_s: number;
  pp_spread: Spread;
  tg_spread: Spread;
  load_ms: number;
  peak_rss_mb: number;
}

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** Deterministic pseudo-random token ids, avoiding the special ids given. */
export function benchTokens(n: number, vocab: number, avoid: ReadonlySet<number>, seed = 1234): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  while (out.length < n) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const id = x % vocab;
    if (!avoid.has(id)) out.push(id);
  }
  return out;
}

export async function benchModel(path: string, opts: BenchOptions, io: Io): Promise<BenchReport> {
  const { cpuInfo } = await import("@ryzen/kernels");
  const { model, loadMs } = await loadModelFromArg(path, io, {
    threads: opts.threads,
    contextLength: opts.promptTokens + opts.genTokens + 16,
    maxSequences: 1,
  });
  try {
    const info = model.info;
    const tok = info.tokenizer;
    const specials = new Set([tok.bos, tok.eos, ...(tok.eot !== undefined ? [tok.eot] : [])]);
    const prompt = benchTokens(opts.promptTokens, info.vocabSize, specials);
    // Keep generation from ending early: end-of-text ids get a large negative bias.
    const logitBias: Record<number, number> = {};
    for (const id of specials) if (id !== tok.bos) logitBias[id] = -1e9;

    const bar = createProgress(io.stderr, "bench");
    const total = opts.repetitions * 2 + 1;
    let step = 0;
    const pp: number[] = [];
    const tg: number[] = [];
    try {
      await model.evaluate(prompt.slice(0, Math.min(8, prompt.length))); // warm-up
      bar.update(++step, total, "warm-up");
      for (let r = 0; r < opts.repetitions; r++) {
        const t0 = performance.now();
        await model.evaluate(prompt);
        pp.push(opts.promptTokens / ((performance.now() - t0) / 1000));
        bar.update(++step, total, "pp");
      }
      for (let r = 0; r < opts.repetitions; r++) {
        const gen = model.generate([tok.bos], { maxTokens: opts.genTokens, temperature: 0, logitBias, addBos: false });
        const result = await gen.result;
        const n = result.tokens.length;
        // Decode rate over the tokens after the first (which comes from the prompt pass).
        tg.push(result.timings.decodeTokensPerS || n / (result.timings.decodeMs / 1000));
        bar.update(++step, total, "tg");
      }
    } finally {
      bar.finish();
    }
    const cpu = cpuInfo();
    const ppS = spread(pp);
    const tgS = spread(tg);
    return {
      model: basename(path),
      model_bytes: (await stat(path)).size,
      cpu: cpu.brand,
      isa: cpu.isa,
      threads: opts.threads ?? cpu.threads,
      prompt_tokens: opts.promptTokens,
      gen_tokens: opts.genTokens,
      repetitions: opts.repetitions,
      pp_tokens_per_s: ppS.median,
      tg_tokens_per_s: tgS.median,
      pp_spread: ppS,
      tg_spread: tgS,
      load_ms: loadMs,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    model.dispose();
  }
}
