import { BenchError } from "./errors.js";

/**
 * The parts of @ryzen/kernels and @ryzen/runtime the benchmark uses, typed structurally and loaded
 * lazily: the report, the generator's bookkeeping and the peers work (and are tested) even when a
 * sibling package has not been built yet, and a missing export becomes one clear error.
 */
export interface KernelsApi {
  cpuInfo(): {
    vendor: string;
    brand: string;
    features: Record<string, boolean>;
    isa: string;
    best: string;
    available: string[];
    physicalCores: number;
    logicalCores: number;
    threads: number;
    /** ternary prefill on AMX tiles (absent in builds before it existed) */
    amx?: boolean;
  };
  quantize(type: number, src: Float32Array, rows: number, cols: number): Uint8Array;
  setThreads?(n: number): void;
  /** activates an ISA path (clamped to what the CPU has); returns the active one */
  setIsa?(isa: string): string;
  getThreads?(): number;
  memoryStats?(): { peak: number; used: number; reserved: number; mapped: number };
  /** ops by name; "bench_read" is the native streaming-read probe (kernels-ternary) */
  opNames?(): string[];
  runOp?(op: string, t: unknown[], i?: number[], f?: number[]): void;
  Tensor?: { empty(type: number, shape: number[]): { dispose(): void; bytes(): Uint8Array } };
}

export interface GGUFWriterLike {
  setMetadata(key: string, value: unknown, type?: unknown): unknown;
  /** data may be a function yielding the bytes in chunks at write time (streamed, bounded memory) */
  addTensor(name: string, type: number, shape: number[], data: Uint8Array | Float32Array | (() => Iterable<Uint8Array>)): unknown;
  write(path: string): Promise<void>;
}

export interface GenerationResultLike {
  promptTokens: number[];
  tokens: number[];
  finishReason: string;
  timings: { ttftMs: number; promptMs: number; decodeMs: number; promptTokensPerS: number; decodeTokensPerS: number };
}

export interface ModelLike {
  info: Record<string, unknown> & { tokenizer?: { bos?: number; eos?: number; eot?: number } };
  evaluate(tokens: number[], opts?: { allLogits?: boolean }): Promise<Float32Array>;
  generate(input: number[], opts?: Record<string, unknown>): { result: Promise<GenerationResultLike> };
  dispose(): void;
}

export interface RuntimeApi {
  GGUFWriter: new () => GGUFWriterLike;
  loadModel(path: string, opts?: { threads?: number; contextLength?: number; maxSequences?: number }): Promise<ModelLike>;
  readGGUF(path: string): Promise<{ metadata: Map<string, unknown>; tensors: { name: string; typeName: string; shape: number[]; bytes: number }[] }>;
}

async function importOptional(name: string): Promise<Record<string, unknown>> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch (err) {
    throw new BenchError("DEPENDENCY_MISSING", `${name} could not be loaded (${(err as Error).message}); run \`pnpm --filter ${name} build\``);
  }
}

/** A peer the benchmark compares against, an optional peer dependency of @ryzen/bench (not
 *  installed with it): `load` imports it, and a failure names the package to install. */
export async function importPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw new BenchError("DEPENDENCY_MISSING", `${name} is not installed (${(err as Error).message}); the benchmark compares against it: npm i ${name}`);
  }
}

function requireExports<T>(mod: Record<string, unknown>, name: string, keys: string[]): T {
  const missing = keys.filter((k) => typeof mod[k] !== "function");
  if (missing.length > 0) {
    throw new BenchError("DEPENDENCY_MISSING", `${name} does not export ${missing.join(", ")} yet`);
  }
  return mod as T;
}

let kernels: Promise<KernelsApi> | undefined;
let runtime: Promise<RuntimeApi> | undefined;

export function loadKernels(): Promise<KernelsApi> {
  kernels ??= importOptional("@ryzen/kernels").then((m) => requireExports<KernelsApi>(m, "@ryzen/kernels", ["cpuInfo", "quantize"]));
  return kernels;
}

export function loadRuntime(): Promise<RuntimeApi> {
  runtime ??= importOptional("@ryzen/runtime").then((m) =>
    requireExports<RuntimeApi>(m, "@ryzen/runtime", ["GGUFWriter", "loadModel", "readGGUF"]),
  );
  return runtime;
}

/** GGML type ids (GGUF on-disk values; the same in llama.cpp, bitnet.cpp and ik_llama.cpp). */
export const GGML = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14, TQ1_0: 34, TQ2_0: 35, I2_S: 36 } as const;
