// Shared by the commands that need weights: resolve <model> (downloading hf: URIs), then
// load it with a progress bar, and time the load.
import type { OptionSpec } from "./args.js";
import type { Io } from "./command.js";
import { resolveModelPath } from "./model-source.js";
import { createProgress } from "./progress.js";
import { loadRuntime, type LoadModelOptions, type Model } from "./runtime.js";

export const THREADS_OPTION: OptionSpec = { kind: "int", short: "t", min: 1, max: 1024, valueName: "N", description: "worker threads (default: physical cores)" };
export const CTX_OPTION: OptionSpec = { kind: "int", min: 8, valueName: "N", description: "context length in tokens (default: the model's)" };
export const KV_TYPE_OPTION: OptionSpec = { kind: "string", choices: ["f16", "q8_0", "f32"], description: "KV cache type (q8_0 halves its memory; default f16)" };

export interface LoadOptions {
  threads?: number;
  contextLength?: number;
  kvType?: string;
  maxSequences?: number;
  maxQueue?: number;
  signal?: AbortSignal;
}

export async function loadModelFromArg(ref: string, io: Io, opts: LoadOptions = {}): Promise<{ model: Model; path: string; loadMs: number }> {
  const path = await resolveModelPath(ref, io, opts.signal);
  const { loadModel } = await loadRuntime();
  const bar = createProgress(io.stderr, "loading");
  const start = performance.now();
  const settings: LoadModelOptions = {
    onProgress: (p) => bar.update(p.done, p.total, p.phase),
  };
  // Only what the user set: the runtime's defaults apply to the rest.
  if (opts.threads !== undefined) settings.threads = opts.threads;
  if (opts.contextLength !== undefined) settings.contextLength = opts.contextLength;
  if (opts.kvType !== undefined) settings.kvType = opts.kvType as LoadModelOptions["kvType"];
  if (opts.maxSequences !== undefined) settings.maxSequences = opts.maxSequences;
  if (opts.maxQueue !== undefined) settings.maxQueue = opts.maxQueue;
  if (opts.signal) settings.signal = opts.signal;
  try {
    const model = await loadModel(path, settings);
    return { model, path, loadMs: performance.now() - start };
  } finally {
    bar.finish();
  }
}
