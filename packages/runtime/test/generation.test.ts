// GenerationRun on its own, fed chosen logits: UTF-8-safe chunks, stop strings across tokens,
// end-of-generation, maxTokens, and chunk texts adding up to the result text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tokenizerFromGGUFBytes } from "@ryzen/tokenizer";
import { GenerationRun, type GenerationChunk } from "../src/generation/generation.js";
import { resolveSampling } from "../src/sampling/options.js";
import { STORIES } from "./helpers.js";

const tok = tokenizerFromGGUFBytes(new Uint8Array(readFileSync(STORIES)));
const V = tok.vocabSize;
const byteId = (b: number) => tok.idOf(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)!;

/** Drive a run with logits that make greedy pick `picks` in order; returns chunks and result. */
async function drive(picks: number[], opts: { stop?: string[]; maxTokens?: number } = {}) {
  const run = new GenerationRun({
    promptTokens: [1],
    maxTokens: opts.maxTokens ?? 100,
    stop: opts.stop ?? [],
    sampling: resolveSampling({ temperature: 0 }, V),
    vocabSize: V,
    tokenizer: tok,
    stripLeadingSpace: false,
  });
  run.started();
  let fed = 0;
  for (const p of picks) {
    const logits = new Float32Array(V);
    logits[p] = 10;
    fed++;
    if (run.next(logits) < 0) break;
  }
  const chunks: GenerationChunk[] = [];
  if (fed === picks.length) run.abort(); // still running: end it
  for await (const c of run) chunks.push(c);
  return { chunks, result: await run.result };
}

describe("GenerationRun", () => {
  it("holds back a multi-byte character until its last byte arrives", async () => {
    const euro = [0xe2, 0x82, 0xac].map(byteId);
    const { chunks, result } = await drive([...euro, byteId(0x41)], { maxTokens: 4 });
    expect(chunks.map((c) => c.text)).toEqual(["", "", "€", "A"]);
    expect(result.text).toBe("€A");
    expect(result.finishReason).toBe("length");
  });

  it("never emits a stop string split across tokens", async () => {
    const ids = tok.encode("Lily went home", { addBos: false });
    const { chunks, result } = await drive(ids, { stop: [" went"] });
    expect(result.finishReason).toBe("stop");
    expect(result.text).toBe(" Lily");
    expect(chunks.map((c) => c.text).join("")).toBe(result.text);
  });

  it("ends on EOS, flushing held-back text, and counts the EOS token", async () => {
    const { chunks, result } = await drive([byteId(0xe2), tok.eos]);
    expect(result.finishReason).toBe("eos");
    expect(result.tokens).toEqual([byteId(0xe2), tok.eos]);
    expect(chunks.at(-1)!.text).toBe("\ufffd"); // an incomplete character becomes U+FFFD at the end
  });

  it("abort resolves with what was generated", async () => {
    const ids = tok.encode("Once upon a time", { addBos: false });
    const { result, chunks } = await drive(ids);
    expect(result.finishReason).toBe("abort");
    expect(result.tokens).toEqual(ids);
    expect(chunks.map((c) => c.text).join("")).toBe(result.text);
  });
});
