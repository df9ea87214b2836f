// stories260K end to end against stories260K.reference.json (an independent float64 forward
// pass): greedy tokens identical for every case on every ISA path the CPU has, with 1 and 2
// threads. Logits: the engine keeps K and V in f16 (the default KV type), which rounds each
// cached value by up to 2^-11 relative; through 5 layers that moves the last-position logits by
// ~3e-4 of their range. So the logits are checked two ways: within 1e-4 relative against our
// float64 reference forward pass that rounds K/V to f16 the same way (all error besides the
// deliberate KV rounding), and within 1e-3 relative against the JSON (f32-KV) reference.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpuInfo, getThreads, setIsa, setThreads } from "@ryzen/kernels";
import { loadModel, type Model } from "../src/index.js";
import { STORIES, STORIES_REF, relMaxDiff } from "./helpers.js";
import { RefModel } from "./reference/forward.js";
import { loadFloatReference } from "./reference/load.js";

const F16_KV_TOLERANCE = 1e-3;

describe("stories260K", () => {
  let model: Model;
  let refKvF16: Float64Array[];
  const initialIsa = cpuInfo().isa;
  const initialThreads = getThreads();
  beforeAll(async () => {
    model = await loadModel(STORIES);
    const { cfg, weights } = await loadFloatReference(STORIES);
    refKvF16 = STORIES_REF.cases.map((c) => {
      const m = new RefModel(cfg, weights, { kvF16: true });
      let l!: Float64Array;
      for (const t of c.prompt_tokens) l = m.step(t);
      return l;
    });
  });
  afterAll(() => {
    model?.dispose();
    setIsa(initialIsa);
    setThreads(initialThreads);
  });

  it("reports its architecture", () => {
    expect(model.info).toMatchObject({
      architecture: "llama", embeddingLength: 64, blockCount: 5, headCount: 8, headCountKv: 4, vocabSize: 512,
      contextLength: 2048, ropeMode: "normal", tiedOutput: false,
    });
    expect(model.info.tensorTypes.f32.count).toBe(48);
  });

  it("tokenizes the prompts as the reference", () => {
    for (const c of STORIES_REF.cases) expect(model.tokenize(c.prompt)).toEqual(c.prompt_tokens);
  });

  for (const isa of cpuInfo().available) {
    for (const threads of [1, 2]) {
      it(`greedy tokens and logits match the reference (${isa}, ${threads} thread${threads > 1 ? "s" : ""})`, async () => {
        setIsa(isa);
        setThreads(threads);
        for (const [i, c] of STORIES_REF.cases.entries()) {
          const logits = await model.evaluate(c.prompt_tokens);
          expect(relMaxDiff(logits, refKvF16[i])).toBeLessThan(1e-4);
          expect(relMaxDiff(logits, c.logits_last_prompt_position)).toBeLessThan(F16_KV_TOLERANCE);
          // Full length on the default path; a prefix elsewhere keeps the suite short.
          const n = isa === initialIsa && threads === 2 ? c.n_generated : 16;
          const r = await model.generate(c.prompt_tokens, { temperature: 0, maxTokens: n }).result;
          expect(r.tokens).toEqual(c.greedy_tokens.slice(0, n));
          expect(r.finishReason).toBe("length");
        }
      });
    }
  }

  it("streams UTF-8 text that equals the result text", async () => {
    setIsa(initialIsa);
    const c = STORIES_REF.cases[1];
    const g = model.generate(c.prompt, { temperature: 0, maxTokens: 40 });
    let text = "";
    const tokens: number[] = [];
    for await (const chunk of g) {
      text += chunk.text;
      tokens.push(chunk.token);
    }
    const r = await g.result;
    expect(r.tokens).toEqual(tokens);
    expect(r.text).toBe(text);
    expect(r.tokens).toEqual(c.greedy_tokens.slice(0, 40));
    expect(text).toBe(model.tokenizer.decode(r.tokens, { skipSpecial: true, stripLeadingSpace: false }));
    expect(r.timings.ttftMs).toBeGreaterThan(0);
    expect(r.timings.decodeTokensPerS).toBeGreaterThan(0);
  });

  it("evaluate(allLogits) rows equal one-at-a-time evaluation", async () => {
    // 100 tokens: more rows than one step outputs (32), so the logits come in several chunks.
    const c = STORIES_REF.cases[0];
    const toks = [...c.prompt_tokens, ...c.greedy_tokens].slice(0, 100);
    const all = await model.evaluate(toks, { allLogits: true });
    const V = model.info.vocabSize;
    expect(all.length).toBe(toks.length * V);
    for (const n of [1, 5, 32, 33, 64, toks.length]) {
      const last = await model.evaluate(toks.slice(0, n));
      // Different step shapes may sum in another order; a K/V value that lands on the other side
      // of an f16 rounding boundary then moves logits by ~1e-5 of their range.
      expect(relMaxDiff(all.subarray((n - 1) * V, n * V), last)).toBeLessThan(1e-4);
    }
  });

  it("stop strings end generation without emitting the stop text", async () => {
    const c = STORIES_REF.cases[1];
    const r = await model.generate(c.prompt, { temperature: 0, maxTokens: 100, stop: ["Lily"] }).result;
    expect(r.finishReason).toBe("stop");
    expect(r.text).not.toContain("Lily");
    const full = model.tokenizer.decode(c.greedy_tokens, { skipSpecial: true, stripLeadingSpace: false });
    expect(full.startsWith(r.text)).toBe(true);
    expect(full.slice(r.text.length).startsWith("Lily")).toBe(true);
  });

  it("seeded sampling is reproducible", async () => {
    const opts = { temperature: 0.9, topK: 40, topP: 0.95, seed: 1234, maxTokens: 30 };
    const a = await model.generate("Once upon a time", opts).result;
    const b = await model.generate("Once upon a time", opts).result;
    const c = await model.generate("Once upon a time", { ...opts, seed: 99 }).result;
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
  });

  it("rejects bad input with typed errors", async () => {
    expect(() => model.generate([1, 9999])).toThrow(/token id 9999/);
    expect(() => model.generate("x", { maxTokens: 0 })).toThrow(/maxTokens/);
    expect(() => model.generate("x", { topP: 5 })).toThrow(/topP/);
    await expect(model.evaluate([])).rejects.toThrow(/at least one token/);
  });
});

describe("stories260K with a q8_0 KV cache", () => {
  it("is refused with a clear error: head dim 8 is not a multiple of the q8_0 block", async () => {
    await expect(loadModel(STORIES, { kvType: "q8_0" })).rejects.toMatchObject({ code: "BAD_OPTION", message: expect.stringMatching(/head dimension/) });
  });
});
