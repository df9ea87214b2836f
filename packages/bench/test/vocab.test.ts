import { describe, expect, it } from "vitest";
import { byteSymbols, syntheticVocab } from "../src/models/vocab.js";

describe("synthetic byte-level vocabulary", () => {
  it("has exactly the requested size, unique tokens, and BOS/EOS as control tokens", () => {
    const v = syntheticVocab(4096, 7);
    expect(v.tokens.length).toBe(4096);
    expect(new Set(v.tokens).size).toBe(4096);
    expect(v.tokenTypes[v.bos]).toBe(3);
    expect(v.tokenTypes[v.eos]).toBe(3);
    expect(v.tokenTypes.filter((t) => t === 3).length).toBe(2);
  });

  it("lists one merge per merged token, each of two existing tokens without spaces", () => {
    const v = syntheticVocab(2000, 3);
    expect(v.merges.length).toBe(2000 - 256 - 2);
    const index = new Map(v.tokens.map((t, i) => [t, i]));
    v.merges.forEach((m, i) => {
      const parts = m.split(" ");
      expect(parts.length).toBe(2);
      const [a, b] = parts;
      const id = 256 + i;
      expect(index.get(a)!).toBeLessThan(id);
      expect(index.get(b)!).toBeLessThan(id);
      expect(v.tokens[id]).toBe(a + b);
    });
  });

  it("is deterministic per seed and covers all 256 bytes", () => {
    expect(syntheticVocab(1000, 1)).toEqual(syntheticVocab(1000, 1));
    expect(syntheticVocab(1000, 1).tokens).not.toEqual(syntheticVocab(1000, 2).tokens);
    expect(new Set(byteSymbols()).size).toBe(256);
    expect(byteSymbols()[32]).toBe("Ġ"); // GPT-2 maps the space byte to U+0120
  });

  it("rejects impossible sizes", () => {
    expect(() => syntheticVocab(100, 1)).toThrow(RangeError);
  });
});
