// The TypeScript reference forward pass itself must reproduce stories260K.reference.json (an
// independent float64 implementation): this validates the reference used for the BitNet tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RefModel, argmax64, roundToF16 } from "./reference/forward.js";
import { loadFloatReference } from "./reference/load.js";

const MODEL = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));
const REF = JSON.parse(readFileSync(new URL("../../../../shared/models/stories260K.reference.json", import.meta.url), "utf8"));

describe("reference forward pass", () => {
  it("roundToF16 rounds to the f16 grid", () => {
    expect(roundToF16(1)).toBe(1);
    expect(roundToF16(1 + 2 ** -11)).toBe(1); // tie -> even
    expect(roundToF16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToF16(65504)).toBe(65504);
    expect(roundToF16(2 ** -24)).toBe(2 ** -24);
  });

  it("matches stories260K.reference.json (logits and greedy tokens)", async () => {
    const { cfg, weights } = await loadFloatReference(MODEL);
    for (const c of REF.cases.slice(1, 3)) {
      const m = new RefModel(cfg, weights);
      let logits!: Float64Array;
      for (const t of c.prompt_tokens) logits = m.step(t);
      const want: number[] = c.logits_last_prompt_position;
      const scale = Math.max(...want.map(Math.abs));
      for (let i = 0; i < want.length; i++) expect(Math.abs(logits[i] - want[i])).toBeLessThan(1e-6 * scale);
      // first 24 greedy tokens
      const got: number[] = [];
      for (let s = 0; s < 24; s++) {
        const t = argmax64(logits);
        got.push(t);
        logits = m.step(t);
      }
      expect(got).toEqual(c.greedy_tokens.slice(0, 24));
    }
  });
});
