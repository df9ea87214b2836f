// Many sequences on one model: batched decode gives each sequence exactly what it gets alone,
// the queue is bounded, cancellation frees the KV slot at once, context limits are enforced,
// and dispose() gives all memory back.
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { memoryStats } from "@ryzen/kernels";
import { BusyError, ContextOverflowError, DisposedError, loadModel } from "../src/index.js";
import { STORIES, STORIES_REF } from "./helpers.js";
import { RefModel, argmax64 } from "./reference/forward.js";
import { loadFloatReference } from "./reference/load.js";

const prompts = STORIES_REF.cases.map((c) => c.prompt_tokens);
// Scheduling logic is what these tests check; one thread keeps them fast on a busy machine
// (2 threads are covered by the stories260K reference test).
const threads = 1;

/** Full GC, so pool memory that only a collected typed array still referenced is released. */
async function collect(): Promise<void> {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

describe("scheduler", () => {
  it("N concurrent greedy generations equal each run alone, decode steps batched", async () => {
    const model = await loadModel(STORIES, { threads, maxSequences: 4 });
    try {
      const alone = [];
      for (const p of prompts) alone.push((await model.generate(p, { temperature: 0, maxTokens: 48 }).result).tokens);
      const before = model.schedulerStats.steps;
      const together = await Promise.all(prompts.map((p) => model.generate(p, { temperature: 0, maxTokens: 48 }).result));
      expect(together.map((r) => r.tokens)).toEqual(alone);
      expect(model.schedulerStats.maxDecodeBatch).toBe(4);
      // 4 x 48 tokens in far fewer steps than running them one after another
      expect(model.schedulerStats.steps - before).toBeLessThan(4 * 48);
      expect(alone.map((t, i) => t)).toEqual(STORIES_REF.cases.map((c) => c.greedy_tokens.slice(0, 48)));
    } finally {
      model.dispose();
    }
  });

  it("a sequence joining mid-generation grows the cache without disturbing the running one or committing its empty context", async () => {
    // 2^20 positions: one slot's K+V is 640 MiB of f16, almost all of it never written here
    const model = await loadModel(STORIES, { threads, maxSequences: 2, contextLength: 1 << 20 });
    try {
      const alone: number[][] = [];
      for (const p of prompts.slice(0, 2)) alone.push((await model.generate(p, { temperature: 0, maxTokens: 40 }).result).tokens);
      expect(model.info.kvBytesPerSequence).toBe(640 * 2 ** 20);
      const rss0 = process.memoryUsage().rss;
      const a = model.generate(prompts[0], { temperature: 0, maxTokens: 40 });
      let b: Promise<{ tokens: number[] }> | undefined;
      let seen = 0;
      for await (const _ of a) if (++seen === 10) b = model.generate(prompts[1], { temperature: 0, maxTokens: 40 }).result;
      expect((await a.result).tokens).toEqual(alone[0]);
      expect((await b!).tokens).toEqual(alone[1]);
      expect(process.memoryUsage().rss - rss0).toBeLessThan(128 * 2 ** 20);
    } finally {
      model.dispose();
    }
  });

  it("a long prefill is chunked between decode steps: neither side starves", async () => {
    const model = await loadModel(STORIES, { threads, maxSequences: 2, batchSize: 8 });
    try {
      const long = [1, ...Array.from({ length: 119 }, (_, i) => 259 + ((i * 37) % 250))];
      const aloneLong = (await model.generate(long, { temperature: 0, maxTokens: 4 }).result).tokens;
      const events: string[] = [];
      const g1 = model.generate(prompts[1], { temperature: 0, maxTokens: 40 });
      let g2: ReturnType<typeof model.generate> | undefined;
      const consume2 = async () => {
        for await (const _ of g2!) events.push("long");
      };
      let started: Promise<void> | undefined;
      for await (const _ of g1) {
        events.push("short");
        if (!g2) {
          g2 = model.generate(long, { temperature: 0, maxTokens: 4 });
          started = consume2();
        }
      }
      await started;
      // 120 prompt tokens in chunks of 7 (one row of each step goes to the decoding sequence):
      // the short sequence keeps decoding meanwhile, and the long one gets its turn before the short one ends.
      const firstLong = events.indexOf("long");
      expect(firstLong).toBeGreaterThan(15);
      expect(events.lastIndexOf("short")).toBeGreaterThan(firstLong);
      expect((await g1.result).tokens).toEqual(STORIES_REF.cases[1].greedy_tokens.slice(0, 40));
      expect((await g2!.result).tokens).toEqual(aloneLong);
    } finally {
      model.dispose();
    }
  });

  it("more calls than slots queue and all complete; beyond maxQueue is BusyError", async () => {
    const model = await loadModel(STORIES, { threads, maxSequences: 2, maxQueue: 2 });
    try {
      const gens = prompts.map((p) => model.generate(p, { temperature: 0, maxTokens: 16 }));
      expect(model.schedulerStats.running).toBe(2);
      expect(model.schedulerStats.queued).toBe(2);
      let err: unknown;
      try {
        model.generate(prompts[0], { maxTokens: 4 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BusyError);
      expect((err as BusyError).code).toBe("BUSY");
      const results = await Promise.all(gens.map((g) => g.result));
      results.forEach((r, i) => expect(r.tokens).toEqual(STORIES_REF.cases[i].greedy_tokens.slice(0, 16)));
    } finally {
      model.dispose();
    }
  });

  it("abort frees the slot immediately and the queued call starts", async () => {
    const model = await loadModel(STORIES, { threads, maxSequences: 1, maxQueue: 4 });
    try {
      const ac = new AbortController();
      const g1 = model.generate(prompts[0], { temperature: 0, maxTokens: 200, signal: ac.signal });
      const g2 = model.generate(prompts[1], { temperature: 0, maxTokens: 8 });
      expect(model.schedulerStats.queued).toBe(1);
      let seen = 0;
      for await (const _ of g1) {
        if (++seen === 3) {
          ac.abort();
          // the slot went to the waiting call synchronously
          expect(model.schedulerStats.queued).toBe(0);
          expect(model.schedulerStats.running).toBe(1);
        }
      }
      const r1 = await g1.result;
      expect(r1.finishReason).toBe("abort");
      expect(r1.tokens.length).toBeLessThan(10);
      expect((await g2.result).tokens).toEqual(STORIES_REF.cases[1].greedy_tokens.slice(0, 8));
      // breaking out of the loop cancels too
      const g3 = model.generate(prompts[0], { temperature: 0, maxTokens: 200 });
      for await (const _ of g3) break;
      expect((await g3.result).finishReason).toBe("abort");
      expect(model.schedulerStats.running).toBe(0);
      // an already-aborted signal rejects
      await expect(model.generate(prompts[0], { signal: AbortSignal.abort() }).result).rejects.toMatchObject({ code: "ABORTED" });
    } finally {
      model.dispose();
    }
  });

  it("context: prompt too long is ContextOverflowError; full context stops with reason 'context'", async () => {
    const model = await loadModel(STORIES, { threads, contextLength: 16 });
    try {
      const long = Array.from({ length: 20 }, (_, i) => 259 + i);
      expect(() => model.generate(long)).toThrow(ContextOverflowError);
      await expect(model.evaluate(long)).rejects.toBeInstanceOf(ContextOverflowError);
      const p = prompts[2].slice(0, 10);
      const r = await model.generate(p, { temperature: 0, maxTokens: 100 }).result;
      expect(r.finishReason).toBe("context");
      expect(r.tokens.length).toBe(16 - 10 + 1);
      // Until the context fills up, the tokens are the ordinary greedy continuation.
      const full = await loadModel(STORIES, { threads });
      const ref = await full.generate(p, { temperature: 0, maxTokens: 7 }).result;
      full.dispose();
      expect(r.tokens).toEqual(ref.tokens);
    } finally {
      model.dispose();
    }
  });

  it("context shift keeps generating past the context length", async () => {
    const model = await loadModel(STORIES, { threads, contextLength: 32 });
    try {
      const r = await model.generate(prompts[1], { temperature: 0, maxTokens: 80, onContextFull: "shift" }).result;
      expect(r.finishReason).toBe("length");
      expect(r.tokens.length).toBe(80);
      // Before the first shift (32 positions) the output is the plain greedy continuation.
      const n = 32 - prompts[1].length + 1;
      expect(r.tokens.slice(0, n)).toEqual(STORIES_REF.cases[1].greedy_tokens.slice(0, n));
      // The reference does the same shifts (keep BOS, drop the older half, re-rotate keys).
      const { cfg, weights } = await loadFloatReference(STORIES);
      const ref = new RefModel(cfg, weights, { kvF16: true });
      let logits!: Float64Array;
      for (const t of prompts[1]) logits = ref.step(t);
      const want: number[] = [];
      while (want.length < 80) {
        const t = argmax64(logits);
        want.push(t);
        if (ref.length === 32) ref.shift(1, Math.floor((32 - 1) / 2));
        logits = ref.step(t);
      }
      expect(r.tokens).toEqual(want);
    } finally {
      model.dispose();
    }
  });

  it("dispose returns all pool memory and rejects further use", async () => {
    await collect();
    const base = memoryStats().used;
    const model = await loadModel(STORIES, { threads, maxSequences: 4 });
    await Promise.all(prompts.map((p) => model.generate(p, { temperature: 0, maxTokens: 8 }).result));
    expect(memoryStats().used).toBeGreaterThan(base);
    const pending = model.generate(prompts[0], { maxTokens: 50 });
    model.dispose();
    await expect(pending.result).rejects.toThrow(/disposed/);
    await collect();
    expect(memoryStats().used).toBe(base);
    expect(() => model.generate("x")).toThrow(DisposedError);
  });
});
