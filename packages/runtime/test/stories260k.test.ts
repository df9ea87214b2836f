// stories260K end to end against stories260K.reference.json (an independent float64 forward
// pass with f32 K/V), on every ISA path the CPU has, with 1 and 2 threads:
// - with kvType "f32" the engine stores K/V unrounded, as the reference does, so the logits at
//   the last prompt position must be within 1e-4 relative of the JSON (the bar; measured
//   3.3e-7 to 3.6e-7 depending on the ISA path);
// - with the default f16 cache each cached K/V value is rounded by up to 2^-11 relative, which
//   through 5 layers moves those logits by 5.0e-4 (scalar) to 6.8e-4 (avx2, avx512) of their
//   range (which values land on the other side of a rounding boundary depends on last-ulp
//   differences between ISA paths), so the f16 cache is held to 1e-3 relative.
// Greedy tokens must equal the reference's for every case, with both cache types.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpuInfo, getThreads, setIsa, setThreads } from "@ryzen/kernels";
import { loadModel, type Model } from "../src/index.js";
import { STORIES, STORIES_REF, relMaxDiff } from "./helpers.js";

const F32_KV_TOLERANCE = 1e-4;
const F16_KV_TOLERANCE = 1e-3;

describe("stories260K", () => {
  let model: Model;
  let modelF32: Model;
  const initialIsa = cpuInfo().isa;
  const initialThreads = getThreads();
  beforeAll(async () => {
    model = await loadModel(STORIES);
    modelF32 = await loadModel(STORIES, { kvType: "f32" });
  });
  afterAll(() => {
    model?.dispose();
    modelF32?.dispose();
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
      for (const kv of ["f32", "f16"] as const) {
        it(`greedy tokens and logits match the reference (${kv} KV, ${isa}, ${threads} thread${threads > 1 ? "s" : ""})`, async () => {
          setIsa(isa);
          setThreads(threads);
          const m = kv === "f32" ? modelF32 : model;
          expect(m.info.kvType).toBe(kv);
          const tolerance = kv === "f32" ? F32_KV_TOLERANCE : F16_KV_TOLERANCE;
          for (const c of STORIES_REF.cases) {
            const logits = await m.evaluate(c.prompt_tokens);
            expect(relMaxDiff(logits, c.logits_last_prompt_position)).toBeLessThan(tolerance);
            // Full length on the default path; a prefix elsewhere keeps the suite short.
            const n = isa === initialIsa && threads === 2 ? c.n_generated : 16;
            const r = await m.generate(c.prompt_tokens, { temperature: 0, maxTokens: n }).result;
            expect(r.tokens).toEqual(c.greedy_tokens.slice(0, n));
            expect(r.finishReason).toBe("length");
          }
        });
      }
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
