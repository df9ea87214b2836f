import { loadKernels, loadRuntime, type ModelLike } from "../deps.js";
import { withCpuPerWall } from "../cpu-time.js";
import { engineResult, promptIds, type ModelBenchOptions, type ModelBenchResult } from "./types.js";

export const DEFAULT_PROMPT_TOKENS = [128, 512];
export const DEFAULT_GEN_TOKENS = [64, 128];

function vocabSizeOf(model: ModelLike): number {
  const v = model.info.vocabSize;
  return typeof v === "number" && v > 0 ? v : 32000;
}

function eosBias(model: ModelLike): Record<number, number> {
  const bias: Record<number, number> = {};
  const t = model.info.tokenizer;
  for (const id of [t?.eos, t?.eot]) if (typeof id === "number") bias[id] = -Infinity;
  return bias;
}

/**
 * Ryzen end to end on one GGUF: prefill of each prompt length (fresh context each time), decode of
 * each generation length from a one-token prompt (EOS banned so every run generates the full
 * length), TTFT of a short prompt; R repetitions after one warm-up each. Like llama-bench's pp/tg.
 */
export async function runModelBench(modelPath: string, opts: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const k = await loadKernels();
  const [result] = await runModelBenchSweep(modelPath, opts, [opts.threads ?? k.cpuInfo().physicalCores]);
  return result;
}

/** The same measurements at several thread counts on one loaded model (the pool size is process-wide). */
export async function runModelBenchSweep(modelPath: string, opts: ModelBenchOptions, threadCounts: number[]): Promise<ModelBenchResult[]> {
  const promptLens = opts.promptTokens ?? DEFAULT_PROMPT_TOKENS;
  const genLens = opts.genTokens ?? DEFAULT_GEN_TOKENS;
  const reps = Math.max(1, opts.repetitions ?? 3);
  const ttftLen = opts.ttftPromptTokens ?? 32;
  const seed = opts.seed ?? 1;
  const measureCpu = <T>(fn: () => Promise<T>) => withCpuPerWall(fn, opts.cpuMinWallMs);
  const [rt, k] = await Promise.all([loadRuntime(), loadKernels()]);
  const contextLength = Math.max(...promptLens, ttftLen, 1) + Math.max(...genLens, 1) + 16;
  const loadStart = performance.now();
  const model = await rt.loadModel(modelPath, { threads: threadCounts[0], contextLength, maxSequences: 1 });
  const loadMs = performance.now() - loadStart;
  const vocab = opts.vocabSize ?? vocabSizeOf(model);
  const bos = model.info.tokenizer?.bos ?? 0;
  const logitBias = eosBias(model);
  const results: ModelBenchResult[] = [];
  try {
    for (const threads of threadCounts) {
      k.setThreads?.(threads);
      const notes: string[] = [];
      const pp: Record<number, number[]> = {};
      const ppCpu: Record<number, (number | undefined)[]> = {};
      for (const n of promptLens) {
        const ids = promptIds(n, vocab, seed + n);
        await model.evaluate(ids.slice(0, Math.min(n, 16))); // warm-up: first-touch of weights, plan build
        pp[n] = [];
        ppCpu[n] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          const { cpuPerWall } = await measureCpu(() => model.evaluate(ids));
          pp[n].push((n * 1000) / (performance.now() - t0));
          ppCpu[n].push(cpuPerWall);
        }
      }
      const tg: Record<number, number[]> = {};
      const tgCpu: Record<number, (number | undefined)[]> = {};
      for (const n of genLens) {
        await model.generate([bos], { maxTokens: Math.min(n, 4), temperature: 0, logitBias }).result;
        tg[n] = [];
        tgCpu[n] = [];
        for (let r = 0; r < reps; r++) {
          // over the whole call (a one-token prefill, then n decode steps): decode dominates
          const { value: res, cpuPerWall } = await measureCpu(() => model.generate([bos], { maxTokens: n, temperature: 0, logitBias, seed }).result);
          if (res.tokens.length < n) notes.push(`tg${n}: stopped after ${res.tokens.length} tokens (${res.finishReason})`);
          tg[n].push(res.timings.decodeTokensPerS);
          tgCpu[n].push(cpuPerWall);
        }
      }
      let ttft: number[] | undefined;
      if (ttftLen > 0) {
        ttft = [];
        const ids = promptIds(ttftLen, vocab, seed + 7);
        for (let r = 0; r < reps; r++) {
          const res = await model.generate(ids, { maxTokens: 1, temperature: 0, logitBias }).result;
          ttft.push(res.timings.ttftMs);
        }
      }
      results.push(engineResult({ engine: "ryzen", file: modelPath, threads, repetitions: reps, load_ms: loadMs, notes }, { pp, tg, ttft, ppCpu, tgCpu }));
    }
    return results;
  } finally {
    model.dispose();
  }
}
