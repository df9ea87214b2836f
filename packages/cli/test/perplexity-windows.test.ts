// The llama-perplexity windowing, checked against a direct transcription of its loop.
import { describe, expect, it } from "vitest";
import { perplexityWindows, windowNll, windowTokens } from "../src/perplexity-windows.js";

describe("perplexityWindows", () => {
  it("cuts floor(n/ctx) windows and scores positions ctx/2 .. ctx-2", () => {
    expect(perplexityWindows(1000, 128)).toEqual(
      Array.from({ length: 7 }, (_, i) => ({ start: i * 128, first: 64, count: 63 })),
    );
    expect(perplexityWindows(255, 128)).toHaveLength(1);
    expect(perplexityWindows(9, 5)).toEqual([{ start: 0, first: 2, count: 2 }]);
    expect(() => perplexityWindows(100, 2)).toThrow(RangeError);
  });

  it("windowTokens substitutes BOS at the window start only when asked", () => {
    const toks = [9, 8, 7, 6, 5, 4, 3, 2];
    const w = perplexityWindows(8, 4)[1]!;
    expect(windowTokens(toks, w, 4, 1)).toEqual([1, 4, 3, 2]);
    expect(windowTokens(toks, w, 4, null)).toEqual([5, 4, 3, 2]);
  });

  it("windowNll sums -log softmax(logits[j])[token[start+j+1]] over the scored rows", () => {
    const vocab = 3;
    const ctx = 4;
    const tokens = [0, 1, 2, 0, 1, 2, 0, 2];
    const logits = Float32Array.from({ length: ctx * vocab }, (_, i) => Math.sin(i + 1) * 3);
    const w = perplexityWindows(tokens.length, ctx)[1]!; // start 4, first 2, count 1
    // Reference: row 2 predicts tokens[4 + 3] = 2.
    const row = [logits[6]!, logits[7]!, logits[8]!];
    const expected = -Math.log(Math.exp(row[2]!) / row.reduce((s, x) => s + Math.exp(x), 0));
    expect(windowNll(logits, vocab, tokens, w, ctx)).toBeCloseTo(expected, 10);
  });
});
