// A deterministic stand-in for @ryzen/runtime's Model, for testing the HTTP layer alone:
// it emits "w0 w1 w2 ..." one token per timer tick, honours maxTokens / AbortSignal, and has
// a scheduler with maxSequences slots and a maxQueue-long queue that throws BusyError (code BUSY).
import type { ServedGeneration, ServedModel } from "../../src/serve/server.js";

export class FakeModel implements ServedModel {
  readonly info = { vocabSize: 100, contextLength: 512 };
  running = 0;
  waiting: (() => void)[] = [];
  aborted = 0;
  completed = 0;
  lastOptions: Record<string, unknown> | undefined;

  constructor(
    readonly maxSequences = 4,
    readonly maxQueue = 8,
    readonly tickMs = 1,
  ) {}

  applyChatTemplate(messages: { role: string; content: string }[]): string {
    return messages.map((m) => `${m.role}: ${m.content}\n`).join("") + "assistant:";
  }

  static expectedText(n: number): string {
    return Array.from({ length: n }, (_, i) => `w${i} `).join("");
  }

  generate(input: string | number[], opts: Record<string, unknown> = {}): ServedGeneration {
    this.lastOptions = opts;
    if (this.running >= this.maxSequences && this.waiting.length >= this.maxQueue) {
      throw Object.assign(new Error(`busy: ${this.running} running, ${this.waiting.length} queued`), { code: "BUSY" });
    }
    const maxTokens = (opts.maxTokens as number | undefined) ?? 5;
    const signal = opts.signal as AbortSignal | undefined;
    const promptTokens = typeof input === "string" ? Array.from({ length: input.length }, (_, i) => i % 100) : input;
    const chunks: { token: number; text: string }[] = [];
    const wakeups: (() => void)[] = [];
    let done = false;
    let finishReason = "length";
    const wake = () => wakeups.splice(0).forEach((f) => f());

    const result = (async () => {
      if (this.running >= this.maxSequences) await new Promise<void>((r) => this.waiting.push(r));
      this.running++;
      try {
        for (let i = 0; i < maxTokens; i++) {
          if (signal?.aborted) {
            finishReason = "abort";
            this.aborted++;
            break;
          }
          await new Promise((r) => setTimeout(r, this.tickMs));
          chunks.push({ token: i % 100, text: `w${i} ` });
          wake();
        }
        if (finishReason !== "abort") this.completed++;
      } finally {
        this.running--;
        this.waiting.shift()?.();
        done = true;
        wake();
      }
      return {
        promptTokens,
        tokens: chunks.map((c) => c.token),
        text: chunks.map((c) => c.text).join(""),
        finishReason,
      };
    })();

    return {
      result,
      async *[Symbol.asyncIterator]() {
        let i = 0;
        for (;;) {
          if (i < chunks.length) yield chunks[i++]!;
          else if (done) return;
          else await new Promise<void>((r) => wakeups.push(r));
        }
      },
    };
  }
}
