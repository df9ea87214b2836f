// The hand-written scanners must split exactly like the regexes that define the pre-tokenizers.
import { describe, expect, it } from "vitest";
import { PreTokenizer, preTokenizerSpec } from "../src/index.js";
import { randomText, rng } from "./reference.js";
import { EXTRA_INPUTS, INPUTS, readInputs } from "./vectors.js";

// Characters around every decision the patterns make: apostrophes and contraction letters in
// both cases, \r \n \t, NBSP/U+0085/U+FEFF/ideographic space, digits of several scripts,
// letters inside and outside the BMP, marks, symbols, emoji.
const TRICKY = [..."'''sStTrReEvVmMlLdD  \r\n\t\u00a0\u0085\ufeff\u3000\u2028x Q9٣३Ⅻ½é\u0301中𝔘😀👍🏽.,!?-_()[]{}\"'`$+<=>^~|\\/"];

function trickyText(next: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += TRICKY[Math.floor(next() * TRICKY.length)];
  return s;
}

function pieces(pre: PreTokenizer, text: string): string[] {
  const out: string[] = [];
  pre.forEach(text, (p) => out.push(p));
  return out;
}

describe.each(["gpt-2", "llama-bpe", "qwen2"])("%s scanner equals its regex", (name) => {
  const spec = preTokenizerSpec(name);
  const fast = new PreTokenizer(spec, true);
  const regex = new PreTokenizer(spec, false);

  it("has a scanner", () => expect(spec.scan).toBeTypeOf("function"));

  it("on the vector strings", () => {
    for (const s of [...readInputs(INPUTS), ...readInputs(EXTRA_INPUTS)]) expect(pieces(fast, s), JSON.stringify(s)).toEqual(pieces(regex, s));
  });

  it("on random text dense in boundary cases", () => {
    const next = rng(11);
    for (let i = 0; i < 3000; i++) {
      const s = i % 2 ? trickyText(next, 1 + Math.floor(next() * 40)) : randomText(next, 1 + Math.floor(next() * 60));
      const got = pieces(fast, s);
      expect(got.join("")).toBe(name === "qwen2" ? s.normalize("NFC") : s);
      expect(got, JSON.stringify(s)).toEqual(pieces(regex, s));
    }
  });
});
