// Llama 3.1-style RoPE frequency factors (`rope_freqs.weight`): stories260K rewritten with a
// factors tensor must run as llama.cpp does it (pair i's angle divided by factor i, for queries,
// keys and the re-rotation of a context shift), checked against the float64 reference forward
// pass with the same factors, on every ISA path with 1 and 2 threads (f32 KV cache, so the only
// differences are float32 arithmetic).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpuInfo, getThreads, setIsa, setThreads } from "@ryzen/kernels";
import { GGMLType } from "@ryzen/kernels";
import { GGUFWriter, ModelLoadError, loadModel, readGGUF, type Model } from "../src/index.js";
import { STORIES, STORIES_REF, relMaxDiff } from "./helpers.js";
import { RefModel, argmax64 } from "./reference/forward.js";
import { loadFloatReference } from "./reference/load.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-rope-freqs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// stories260K: headDim 8, so 4 rotated pairs. Factors as Llama 3.1's rule makes them: 1 for the
// fastest pair, the full factor for the slowest, a blend between.
const FACTORS = [1, 1.5, 4, 8];

/** stories260K with a `rope_freqs.weight` tensor of the given values added. */
async function withFactors(name: string, factors: number[]): Promise<string> {
  const file = await readGGUF(STORIES);
  const bytes = readFileSync(STORIES);
  const w = new GGUFWriter();
  for (const [k, v] of file.metadata) {
    if (k !== "general.alignment") w.setMetadata(k, v as never, file.arrayTypes.get(k) ?? file.types.get(k));
  }
  w.addTensor("rope_freqs.weight", GGMLType.F32, [factors.length], Float32Array.from(factors));
  for (const t of file.tensors) w.addTensor(t.name, t.type, t.shape, new Uint8Array(bytes.buffer, bytes.byteOffset + t.offset, t.bytes));
  const path = join(dir, `${name}.gguf`);
  await w.write(path);
  return path;
}

describe("rope_freqs.weight (Llama 3.1 RoPE frequency factors)", () => {
  let path: string;
  let model: Model;
  let ref: Awaited<ReturnType<typeof loadFloatReference>>;
  const initialIsa = cpuInfo().isa;
  const initialThreads = getThreads();
  beforeAll(async () => {
    path = await withFactors("stories-rope-freqs", FACTORS);
    model = await loadModel(path, { kvType: "f32" });
    ref = await loadFloatReference(path);
  });
  afterAll(() => {
    model?.dispose();
    setIsa(initialIsa);
    setThreads(initialThreads);
  });

  it("is loaded and applied (no warning), and the reference reads it", () => {
    expect(model.info.warnings.join(" ")).not.toMatch(/rope_freqs/);
    expect(Array.from(ref.weights.ropeFreqs ?? [])).toEqual(FACTORS);
  });

  for (const isa of cpuInfo().available) {
    for (const threads of [1, 2]) {
      it(`logits and greedy tokens match the reference with the factors (${isa}, ${threads} thread${threads > 1 ? "s" : ""})`, async () => {
        setIsa(isa);
        setThreads(threads);
        let changed = 0;
        for (const c of STORIES_REF.cases) {
          const m = new RefModel(ref.cfg, ref.weights);
          let want!: Float64Array;
          for (const t of c.prompt_tokens) want = m.step(t);
          const got = await model.evaluate(c.prompt_tokens);
          expect(relMaxDiff(got, want)).toBeLessThan(1e-4);
          changed = Math.max(changed, relMaxDiff(got, c.logits_last_prompt_position));
          const n = 12;
          const wantTokens: number[] = [];
          for (let i = 0; i < n; i++) {
            const t = argmax64(want);
            wantTokens.push(t);
            want = m.step(t);
          }
          const r = await model.generate(c.prompt_tokens, { temperature: 0, maxTokens: n }).result;
          expect(r.tokens).toEqual(wantTokens);
        }
        // the factors move the logits far beyond that tolerance (so they really are applied;
        // a one-token prompt sits at position 0, where RoPE is the identity either way)
        expect(changed).toBeGreaterThan(1e-2);
      });
    }
  }

  it("a context shift re-rotates keys with the factors (token for token against the reference)", async () => {
    setIsa(initialIsa);
    const ctx = 24;
    const shifting = await loadModel(path, { kvType: "f32", contextLength: ctx, threads: 1 });
    try {
      const prompt = STORIES_REF.cases[0].prompt_tokens.slice(0, 8);
      const r = await shifting.generate(prompt, { temperature: 0, maxTokens: 40, onContextFull: "shift" }).result;
      expect(r.finishReason).toBe("length");
      // the reference doing the same shifts (keep the BOS, drop half of the rest, re-rotate)
      const m = new RefModel(ref.cfg, ref.weights);
      let logits!: Float64Array;
      for (const t of prompt) logits = m.step(t);
      const want: number[] = [];
      while (want.length < 40) {
        const t = argmax64(logits);
        want.push(t);
        if (m.length === ctx) m.shift(1, Math.floor((ctx - 1) / 2));
        logits = m.step(t);
      }
      expect(r.tokens).toEqual(want);
    } finally {
      shifting.dispose();
    }
  });

  it("rejects factors of the wrong length or with a non-positive value, naming the tensor", async () => {
    for (const [name, factors, message] of [
      ["short", [1, 2, 4], /rope_freqs\.weight.*shape/],
      ["zero", [1, 0, 4, 8], /rope_freqs\.weight.*element 1.*> 0/],
    ] as const) {
      const p = await withFactors(name, [...factors]);
      const err = await loadModel(p).then(
        (m) => (m.dispose(), null),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as ModelLoadError).code).toBe("BAD_SHAPE");
      expect((err as ModelLoadError).message).toMatch(message);
    }
  });
});
