// Every shared llama.cpp-format vector, for every vocab, must match exactly; and decoding the
// expected ids must give back the input.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tokenizerFromGGUFBytes, type Tokenizer } from "../src/index.js";
import { EXTRA_INPUTS, INPUTS, readInputs, readOutputs, VOCABS } from "./vectors.js";

describe.each(VOCABS)("$name", (v) => {
  const tok: Tokenizer = tokenizerFromGGUFBytes(readFileSync(v.gguf));

  for (const [label, inp, out] of [["llama.cpp", INPUTS, v.out], ["extra", EXTRA_INPUTS, v.extraOut]] as const) {
    const inputs = readInputs(inp);
    const expected = readOutputs(out);

    it(`${label}: vector files agree in length`, () => {
      expect(expected.length).toBe(inputs.length);
      expect(inputs.length).toBeGreaterThan(30);
    });

    it(`${label}: encode matches every vector`, () => {
      inputs.forEach((text, i) => {
        expect(tok.encode(text, { addBos: false, addEos: false }), `case ${i}: ${JSON.stringify(text)}`).toEqual(expected[i]);
      });
    });

    it(`${label}: decode of the expected ids gives back the input`, () => {
      inputs.forEach((text, i) => {
        // Qwen normalizes to NFC before tokenizing, so its round trip is the NFC text.
        const want = tok.preTokenizer === "qwen2" ? text.normalize("NFC") : text;
        expect(tok.decode(expected[i]!), `case ${i}`).toBe(want);
      });
    });
  }
});
