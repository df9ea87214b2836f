// loadModel() and the Model: GGUF file -> config, mapped weights, tokenizer, KV cache, forward
// plans and the scheduler that every generate()/evaluate() call goes through.
import { MappedFile, setThreads, typeName, type Tensor } from "@ryzen/kernels";
import { tokenizerFromGGUF, type Tokenizer } from "@ryzen/tokenizer";
import { ChatTemplate, type ChatMessage, type ChatTemplateOptions } from "../chat/template.js";
import { AbortError, DisposedError, InvalidOptionError, ModelLoadError } from "../errors.js";
import { GenerationRun, type Generation } from "../generation/generation.js";
import { readGGUF, type GGUFFile } from "../gguf/index.js";
import { KvCache, kvBytesPerSequence, type KvType } from "../kv/cache.js";
import { resolveSampling, type SamplingOptions } from "../sampling/options.js";
import { Engine, type ContextPolicy, type SequenceClient } from "../scheduler/engine.js";
import { configFromMetadata, type ModelConfig } from "./config.js";
import { ForwardGraph } from "./graph.js";
import { buildInfo, type ModelInfo } from "./info.js";
import { checkMemoryBudget } from "./memory-budget.js";
import { loadWeights, type ModelWeights } from "./weights.js";
import { requantizeHead, type HeadType } from "./head.js";

export interface LoadModelOptions {
  /** Kernel worker threads (process-wide setting). Default: the kernels' default (physical cores). */
  threads?: number;
  /** Positions per sequence. Default: the file's context length, capped at 8192. */
  contextLength?: number;
  kvType?: KvType;
  /** Concurrent sequences (KV slots), default 8. Slots are allocated as they are first used. */
  maxSequences?: number;
  /** generate()/evaluate() calls waiting for a slot before BusyError, default 64. */
  maxQueue?: number;
  /** Most tokens in one forward step (prefill chunk), default 256. */
  batchSize?: number;
  /** Requantize a float (f32/f16/bf16) output head at load, e.g. BitNet's tied f16 embedding:
   *  fewer bytes read per token. Default "auto": q6_k for a float head of 64 MiB or more (decode
   *  is memory-bound and the head is then a large share of each token's reads), else as stored;
   *  "as-stored" never converts. */
  outputType?: HeadType | "auto" | "as-stored";
  onProgress?: (p: { phase: "read" | "prepare"; done: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface GenerateOptions extends SamplingOptions {
  maxTokens?: number;
  stop?: string[];
  signal?: AbortSignal;
  /** Default: the tokenizer's add_bos for string input; token input is used as given. */
  addBos?: boolean;
  parseSpecial?: boolean;
  /** What to do when the context is full: end with finishReason "context" (default) or shift. */
  onContextFull?: ContextPolicy;
  /** Leading tokens kept when the context shifts. Default: 1 if the prompt starts with BOS, else 0. */
  keepTokens?: number;
}

export interface EvaluateOptions {
  allLogits?: boolean;
  signal?: AbortSignal;
}

const DEFAULT_CONTEXT_CAP = 8192;

function intOption(name: string, v: number | undefined, fallback: number, lo: number, hi: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new ModelLoadError("BAD_OPTION", `option ${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  }
  return v;
}

export class Model {
  readonly info: ModelInfo;
  readonly tokenizer: Tokenizer;
  private readonly chat: ChatTemplate;
  private disposed = false;

  /** @internal use loadModel() */
  constructor(
    private readonly parts: {
      file: GGUFFile;
      mapped: MappedFile;
      cfg: ModelConfig;
      weights: ModelWeights;
      kv: KvCache;
      graph: ForwardGraph;
      engine: Engine;
      tokenizer: Tokenizer;
      info: ModelInfo;
    },
  ) {
    this.info = parts.info;
    this.tokenizer = parts.tokenizer;
    const tok = parts.tokenizer;
    this.chat = new ChatTemplate({
      template: parts.info.chatTemplate,
      bosToken: tok.bos >= 0 ? tok.tokenToPiece(tok.bos) : "",
      eosToken: tok.eos >= 0 ? tok.tokenToPiece(tok.eos) : "",
    });
  }

  /** Scheduler counters (steps run, largest decode batch): for tests and diagnostics. */
  get schedulerStats(): { steps: number; maxDecodeBatch: number; tokens: number; running: number; queued: number } {
    const e = this.parts.engine;
    return { ...e.stats, running: e.running, queued: e.queued };
  }

  /** Bytes of KV cache currently allocated (slots grow on demand up to maxSequences). */
  get kvBytesAllocated(): number {
    return this.parts.kv.capacity * this.parts.kv.bytesPerSequence;
  }

  private live(): void {
    if (this.disposed) throw new DisposedError();
  }

  tokenize(text: string, opts: { addBos?: boolean; parseSpecial?: boolean } = {}): number[] {
    this.live();
    if (typeof text !== "string") throw new InvalidOptionError("tokenize() needs a string");
    const tok = this.tokenizer;
    const ids = tok.encode(text, { addBos: false, addEos: false, parseSpecial: opts.parseSpecial ?? false });
    const addBos = opts.addBos ?? tok.addBosDefault;
    // A chat template may already render the BOS text; never double it.
    if (addBos && tok.bos >= 0 && ids[0] !== tok.bos) ids.unshift(tok.bos);
    return ids;
  }

  detokenize(ids: number[]): string {
    this.live();
    return this.tokenizer.decode(this.checkTokens(ids, "detokenize"));
  }

  applyChatTemplate(messages: ChatMessage[], opts: ChatTemplateOptions = {}): string {
    this.live();
    return this.chat.render(messages, opts);
  }

  private checkTokens(ids: readonly number[], what: string): number[] {
    if (!Array.isArray(ids)) throw new InvalidOptionError(`${what}() needs an array of token ids`);
    const V = this.info.vocabSize;
    for (const t of ids) {
      if (!Number.isInteger(t) || t < 0 || t >= V) throw new InvalidOptionError(`${what}(): token id ${String(t)} is not in [0, ${V})`);
    }
    return ids as number[];
  }

  /** Stream tokens for a prompt. Throws BusyError synchronously when the queue is full. */
  generate(input: string | number[], opts: GenerateOptions = {}): Generation {
    this.live();
    const prompt =
      typeof input === "string"
        ? this.tokenize(input, { addBos: opts.addBos, parseSpecial: opts.parseSpecial })
        : [...this.checkTokens(input, "generate")];
    if (prompt.length === 0) throw new InvalidOptionError("generate(): the prompt has no tokens (pass addBos or some text)");
    const ctx = this.info.contextLength;
    const maxTokens = opts.maxTokens ?? ctx;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new InvalidOptionError(`maxTokens must be a positive integer, got ${String(maxTokens)}`);
    const stop = opts.stop ?? [];
    if (!Array.isArray(stop) || stop.some((s) => typeof s !== "string" || s.length === 0)) {
      throw new InvalidOptionError("stop must be an array of non-empty strings");
    }
    const policy = opts.onContextFull ?? "stop";
    if (policy !== "stop" && policy !== "shift") throw new InvalidOptionError(`onContextFull must be "stop" or "shift"`);
    const tok = this.tokenizer;
    const startsWithBos = tok.bos >= 0 && prompt[0] === tok.bos;
    const keep = intOption("keepTokens", opts.keepTokens, startsWithBos ? 1 : 0, 0, ctx - 2);

    const run = new GenerationRun({
      promptTokens: prompt,
      maxTokens,
      stop,
      sampling: resolveSampling(opts, this.info.vocabSize),
      vocabSize: this.info.vocabSize,
      tokenizer: tok,
      stripLeadingSpace: tok.model === "llama" && startsWithBos && prompt.length === 1,
    });
    const signal = opts.signal;
    if (signal?.aborted) {
      run.abortBeforeStart();
      return run;
    }
    const seq = this.parts.engine.submit({ prompt, client: run, onContextFull: policy, keep, allLogits: false });
    run.cancel = () => this.parts.engine.cancel(seq);
    if (signal) {
      const onAbort = () => run.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      run.result.finally(() => signal.removeEventListener("abort", onAbort)).catch(() => {});
    }
    return run;
  }

  /** Logits after feeding `tokens` from an empty context: the last position's (vocab floats),
   *  or every position's (n * vocab, row t = logits after token t) with allLogits. */
  evaluate(tokens: number[], opts: EvaluateOptions = {}): Promise<Float32Array> {
    try {
      this.live();
      const ids = [...this.checkTokens(tokens, "evaluate")];
      if (ids.length === 0) throw new InvalidOptionError("evaluate() needs at least one token");
      if (opts.signal?.aborted) throw new AbortError();
      const V = this.info.vocabSize;
      const all = opts.allLogits ?? false;
      const out = new Float32Array(all ? ids.length * V : V);
      return new Promise<Float32Array>((resolve, reject) => {
        const signal = opts.signal;
        const onAbort = () => {
          this.parts.engine.cancel(seq);
          settle(() => reject(new AbortError()));
        };
        const settle = (f: () => void) => {
          signal?.removeEventListener("abort", onAbort);
          f();
        };
        let filled = 0;
        const client: SequenceClient = {
          promptLogits: (logits, rows) => {
            out.set(logits.subarray(0, rows * V), filled * V);
            filled += rows;
          },
          next: (logits) => {
            if (!all) out.set(logits);
            settle(() => resolve(out));
            return -1;
          },
          contextFull: () => settle(() => reject(new Error("unreachable: evaluate never decodes"))),
          fail: (e) => settle(() => reject(e)),
        };
        const seq = this.parts.engine.submit({ prompt: ids, client, onContextFull: "stop", keep: 0, allLogits: all });
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Free everything: pending work fails, plans, activations, KV cache, weight mapping. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const p = this.parts;
    p.engine.dispose();
    p.graph.dispose();
    p.kv.dispose();
    for (const t of p.weights.all) t.dispose();
    p.mapped.dispose();
  }
}

export async function loadModel(path: string, opts: LoadModelOptions = {}): Promise<Model> {
  const check = () => {
    if (opts.signal?.aborted) throw new ModelLoadError("ABORTED", `loading '${path}' was aborted`);
  };
  check();
  if (opts.threads !== undefined) {
    intOption("threads", opts.threads, 1, 1, 1024);
    setThreads(opts.threads);
  }
  const kvType = opts.kvType ?? "f16";
  if (kvType !== "f16" && kvType !== "q8_0" && kvType !== "f32") {
    throw new ModelLoadError("BAD_OPTION", `kvType must be "f16", "q8_0" or "f32", got ${String(kvType)}`);
  }
  const maxSequences = intOption("maxSequences", opts.maxSequences, 8, 1, 1024);
  const maxQueue = intOption("maxQueue", opts.maxQueue, 64, 0, 1 << 20);
  const batchSize = intOption("batchSize", opts.batchSize, 256, 1, 1 << 16);

  const file = await readGGUF(path);
  opts.onProgress?.({ phase: "read", done: 1, total: 1 });
  check();
  const cfg = configFromMetadata((k) => file.get(k));
  const contextLength = intOption("contextLength", opts.contextLength, Math.min(cfg.trainedContextLength, DEFAULT_CONTEXT_CAP), 2, 1 << 22);
  const tokenizer = tokenizerFromGGUF(file.metadata);
  checkMemoryBudget({
    contextLength,
    kvType,
    kvBytes: kvBytesPerSequence(cfg, kvType, contextLength),
    weightBytes: file.tensors.reduce((sum, t) => sum + t.bytes, 0),
  });

  const mapped = MappedFile.open(path);
  const owned: { dispose(): void }[] = [mapped];
  try {
    const total = cfg.blockCount + 1;
    let done = 0;
    const weights = loadWeights(file, mapped, cfg);
    owned.push(...weights.all);
    const head = requantizeHead(weights.output, opts.outputType);
    if (head.converted) {
      weights.output = head.head;
      weights.all.push(head.head);
      owned.push(head.head);
    }
    if (tokenizer.vocabSize !== weights.vocabSize) {
      throw new ModelLoadError(
        "BAD_SHAPE",
        `the tokenizer has ${tokenizer.vocabSize} tokens but token_embd.weight has ${weights.vocabSize} rows`,
        { tensor: "token_embd.weight" },
      );
    }
    // Repack weights into the kernels' matmul layouts now rather than on the first token.
    prepareAll(weights, () => {
      check(); // a multi-GB model takes a while to repack: honour the signal between layers
      opts.onProgress?.({ phase: "prepare", done: ++done, total });
    });
    const kv = new KvCache(cfg, { contextLength, type: kvType, maxSlots: maxSequences, ...(weights.ropeFreqs ? { ropeFreqs: weights.ropeFreqs } : {}) });
    owned.push(kv);
    const maxOutputs = Math.max(maxSequences, 32);
    const graph = new ForwardGraph(cfg, weights, kv, Math.max(batchSize, maxSequences), maxOutputs);
    owned.push(graph);
    const engine = new Engine(graph, kv, { maxQueue, maxTokens: Math.max(batchSize, maxSequences), maxOutputs }, weights.vocabSize);
    const info = buildInfo(file, cfg, tokenizer, {
      contextLength, kvType, kvBytesPerSequence: kv.bytesPerSequence, maxSequences,
      vocabSize: weights.vocabSize, tiedOutput: weights.tiedOutput, outputType: typeName(weights.output.type),
    });
    return new Model({ file, mapped, cfg, weights, kv, graph, engine, tokenizer, info });
  } catch (e) {
    for (const o of owned.reverse()) o.dispose();
    throw e;
  }
}

function prepareAll(w: ModelWeights, tick: () => void): void {
  const mats = (lin: { w: Tensor }[]) => lin.forEach((l) => l.w.prepare());
  w.output.prepare();
  tick();
  for (const l of w.layers) {
    mats([l.q, l.k, l.v, l.o, l.gate, l.up, l.down]);
    tick();
  }
}
