// One generate() call: samples from the logits the engine hands it, turns tokens into UTF-8-safe
// text (the tokenizer's stream decoder), applies stop strings / max tokens / end-of-generation,
// streams {token, text} chunks and resolves `result` with the text and timings.
import type { Tokenizer } from "@ryzen/tokenizer";
import { AbortError } from "../errors.js";
import { Sampler } from "../sampling/sampler.js";
import type { ResolvedSampling } from "../sampling/options.js";
import type { SequenceClient } from "../scheduler/engine.js";
import { Channel } from "./channel.js";
import { StopMatcher } from "./stop.js";

export type FinishReason = "stop" | "length" | "abort" | "context" | "eos";

export interface GenerationChunk {
  token: number;
  text: string;
}

export interface GenerationTimings {
  /** From the generate() call to the first sampled token (includes queueing). */
  ttftMs: number;
  promptMs: number;
  decodeMs: number;
  promptTokensPerS: number;
  decodeTokensPerS: number;
}

export interface GenerationResult {
  promptTokens: number[];
  tokens: number[];
  text: string;
  finishReason: FinishReason;
  timings: GenerationTimings;
}

export interface Generation extends AsyncIterable<GenerationChunk> {
  readonly result: Promise<GenerationResult>;
}

export interface GenerationParams {
  promptTokens: number[];
  maxTokens: number;
  stop: string[];
  sampling: ResolvedSampling;
  vocabSize: number;
  tokenizer: Tokenizer;
  /** Strip the SentencePiece space prefix from the first text (prompt started at BOS). */
  stripLeadingSpace: boolean;
}

export class GenerationRun implements SequenceClient, Generation {
  readonly result: Promise<GenerationResult>;
  private resolve!: (r: GenerationResult) => void;
  private reject!: (e: unknown) => void;
  private readonly channel = new Channel<GenerationChunk>();
  private readonly sampler: Sampler;
  private readonly stopper: StopMatcher;
  private readonly decoder;
  private readonly tokens: number[] = [];
  private text = "";
  private done = false;
  private readonly tCall = performance.now();
  private tStart = 0;
  private tFirst = 0;
  /** Set by the model: cancels the engine sequence (frees the KV slot). */
  cancel: () => void = () => {};

  constructor(private readonly p: GenerationParams) {
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // Callers that only iterate should not see an unhandled rejection from `result`.
    this.result.catch(() => {});
    this.sampler = new Sampler(p.vocabSize, p.sampling);
    for (const t of p.promptTokens) this.sampler.accept(t);
    this.stopper = new StopMatcher(p.stop);
    this.decoder = p.tokenizer.createStreamDecoder({ skipSpecial: true, stripLeadingSpace: p.stripLeadingSpace });
    this.channel.onReturn = () => this.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<GenerationChunk> {
    return this.channel[Symbol.asyncIterator]();
  }

  started(): void {
    this.tStart = performance.now();
  }

  next(logits: Float32Array): number {
    if (this.done) return -1;
    const now = performance.now();
    if (this.tokens.length === 0) this.tFirst = now;
    const token = this.sampler.sample(logits);
    this.sampler.accept(token);
    this.tokens.push(token);

    if (this.p.tokenizer.isEndOfGeneration(token)) {
      this.emit(token, this.stopper.push(this.decoder.flush()).emit + this.stopper.flush());
      this.end("eos");
      return -1;
    }
    const { emit, stopped } = this.stopper.push(this.decoder.push(token));
    if (stopped) {
      this.emit(token, emit);
      this.end("stop");
      return -1;
    }
    if (this.tokens.length >= this.p.maxTokens) {
      this.emit(token, emit + this.tail());
      this.end("length");
      return -1;
    }
    this.emit(token, emit);
    return token;
  }

  contextFull(): void {
    // The last chunk is already out; anything held back (partial UTF-8 / stop prefix) ends here.
    const tail = this.tail();
    if (tail) this.emit(this.tokens[this.tokens.length - 1] ?? -1, tail);
    this.end("context");
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.channel.close(error);
    this.reject(error);
  }

  /** AbortSignal or early `break`: end now with reason "abort" and free the slot. */
  abort(): void {
    if (this.done) return;
    this.cancel();
    this.end("abort");
  }

  /** Aborted before it could start (signal already aborted): reject like fetch() does. */
  abortBeforeStart(): void {
    this.fail(new AbortError("generation aborted before it started"));
  }

  private tail(): string {
    return this.stopper.push(this.decoder.flush()).emit + this.stopper.flush();
  }

  private emit(token: number, text: string): void {
    this.text += text;
    this.channel.push({ token, text });
  }

  private end(reason: FinishReason): void {
    if (this.done) return;
    this.done = true;
    const tEnd = performance.now();
    const started = this.tStart || this.tCall;
    const promptMs = this.tFirst ? this.tFirst - started : tEnd - started;
    const decodeMs = this.tFirst ? tEnd - this.tFirst : 0;
    const nPrompt = this.p.promptTokens.length;
    const nDecode = Math.max(0, this.tokens.length - 1);
    this.channel.close();
    this.resolve({
      promptTokens: this.p.promptTokens,
      tokens: this.tokens,
      text: this.text,
      finishReason: reason,
      timings: {
        ttftMs: this.tFirst ? this.tFirst - this.tCall : 0,
        promptMs,
        decodeMs,
        promptTokensPerS: promptMs > 0 ? (nPrompt * 1000) / promptMs : 0,
        decodeTokensPerS: decodeMs > 0 ? (nDecode * 1000) / decodeMs : 0,
      },
    });
  }
}
