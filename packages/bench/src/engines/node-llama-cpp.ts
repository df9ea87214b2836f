import { withCpuPerWall } from "../cpu-time.js";
import { importPeer } from "../deps.js";
import { engineResult, promptIds, type ModelBenchOptions, type ModelBenchResult } from "./types.js";
import { DEFAULT_GEN_TOKENS, DEFAULT_PROMPT_TOKENS } from "./ryzen.js";

type Nlc = typeof import("node-llama-cpp");
type Token = import("node-llama-cpp").Token;

function vocabFromMetadata(metadata: unknown): number | undefined {
  const tokens = (metadata as { tokenizer?: { ggml?: { tokens?: unknown[] } } } | undefined)?.tokenizer?.ggml?.tokens;
  return Array.isArray(tokens) ? tokens.length : undefined;
}

export async function runNodeLlamaCppBench(modelPath: string, opts: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const [result] = await runNodeLlamaCppSweep(modelPath, opts, opts.threads !== undefined ? [opts.threads] : undefined);
  return result;
}

/**
 * node-llama-cpp (llama.cpp prebuilt for this CPU, shipped as @node-llama-cpp/* optional packages)
 * measured through its API with the same lengths and threads as Ryzen: one model load, one context
 * per thread count. It must never build or download at run time: `build: "never"`, `skipDownload`.
 */
export async function runNodeLlamaCppSweep(modelPath: string, opts: ModelBenchOptions, threadCounts?: number[]): Promise<ModelBenchResult[]> {
  const promptLens = opts.promptTokens ?? DEFAULT_PROMPT_TOKENS;
  const genLens = opts.genTokens ?? DEFAULT_GEN_TOKENS;
  const reps = Math.max(1, opts.repetitions ?? 3);
  const ttftLen = opts.ttftPromptTokens ?? 32;
  const seed = opts.seed ?? 1;
  const measureCpu = <T>(fn: () => Promise<T>) => withCpuPerWall(fn, opts.cpuMinWallMs);
  const nlc: Nlc = await importPeer("node-llama-cpp", () => import("node-llama-cpp"));
  const llama = await nlc.getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: nlc.LlamaLogLevel.error,
  });
  const loadStart = performance.now();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const loadMs = performance.now() - loadStart;
  const maxPrompt = Math.max(...promptLens, ttftLen, 1);
  const vocab = opts.vocabSize ?? vocabFromMetadata(model.fileInfo.metadata) ?? 1000;
  const bos = (model.tokens.bos ?? 0) as Token;
  const eog = [model.tokens.eos, model.tokens.eot].filter((t): t is NonNullable<typeof t> => t !== null);
  const tokenBias = () => {
    const b = new nlc.TokenBias(model.tokenizer);
    for (const t of eog) b.set(t, "never");
    return b;
  };
  const results: ModelBenchResult[] = [];
  try {
    for (const threads of threadCounts ?? [llama.cpuMathCores]) {
      const notes: string[] = [];
      const context = await model.createContext({
        contextSize: maxPrompt + Math.max(...genLens, 1) + 16,
        batchSize: maxPrompt,
        threads: { ideal: threads, min: threads },
        sequences: 1,
      });
      const seq = context.getSequence();
      /** tok/s of n generated tokens, and CPU/wall over that loop */
      const decode = async (n: number): Promise<{ tps: number; cpuPerWall?: number }> => {
        await seq.clearHistory();
        let count = 0;
        const t0 = performance.now();
        const { cpuPerWall } = await measureCpu(async () => {
          for await (const _tok of seq.evaluate([bos], { temperature: 0, tokenBias })) {
            if (++count >= n) break;
          }
        });
        const ms = performance.now() - t0;
        if (count < n) notes.push(`tg${n}: stopped after ${count} tokens`);
        return { tps: (count * 1000) / ms, cpuPerWall };
      };
      try {
        const pp: Record<number, number[]> = {};
        const ppCpu: Record<number, (number | undefined)[]> = {};
        for (const n of promptLens) {
          const ids = promptIds(n, vocab, seed + n) as unknown as Token[];
          await seq.clearHistory();
          await seq.evaluateWithoutGeneratingNewTokens(ids.slice(0, Math.min(n, 16)));
          pp[n] = [];
          ppCpu[n] = [];
          for (let r = 0; r < reps; r++) {
            await seq.clearHistory();
            const t0 = performance.now();
            const { cpuPerWall } = await measureCpu(() => seq.evaluateWithoutGeneratingNewTokens(ids));
            pp[n].push((n * 1000) / (performance.now() - t0));
            ppCpu[n].push(cpuPerWall);
          }
        }
        const tg: Record<number, number[]> = {};
        const tgCpu: Record<number, (number | undefined)[]> = {};
        for (const n of genLens) {
          await decode(Math.min(n, 4));
          tg[n] = [];
          tgCpu[n] = [];
          for (let r = 0; r < reps; r++) {
            const d = await decode(n);
            tg[n].push(d.tps);
            tgCpu[n].push(d.cpuPerWall);
          }
        }
        let ttft: number[] | undefined;
        if (ttftLen > 0) {
          ttft = [];
          const ids = promptIds(ttftLen, vocab, seed + 7) as unknown as Token[];
          for (let r = 0; r < reps; r++) {
            await seq.clearHistory();
            const t0 = performance.now();
            for await (const _tok of seq.evaluate(ids, { temperature: 0, tokenBias })) break;
            ttft.push(performance.now() - t0);
          }
        }
        results.push(engineResult({ engine: "node-llama-cpp", file: modelPath, threads, repetitions: reps, load_ms: loadMs, notes }, { pp, tg, ttft, ppCpu, tgCpu }));
      } finally {
        await context.dispose();
      }
    }
    return results;
  } finally {
    await model.dispose();
    await llama.dispose();
  }
}
