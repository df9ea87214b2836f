// The paths that keep pathological inputs linear (long single pre-tokens through the rank
// buckets, runs of one symbol, many unique short pre-tokens from random bytes) against the
// plain reference tokenizers, on all five vocabs.
import { describe, expect, it } from "vitest";
import { tokenizerFromTiktoken } from "../src/index.js";
import { Junctions } from "../src/junctions.js";
import { mergesFromList, mergesFromRanks, type BpeVocabView } from "../src/merge-rules.js";
import { RunMerger } from "../src/run-merger.js";
import { meta, tok, type VocabName } from "./load.js";
import { randomText, referenceBpe, referenceBpeWord, referenceRankMerge, referenceSpm, rng } from "./reference.js";

type Encode = (text: string) => number[];

const VOCAB_REFS: [VocabName, () => Encode][] = [
  ["ggml-vocab-gpt-2", () => referenceBpe(meta("ggml-vocab-gpt-2"), "gpt2", false)],
  ["llama3-vocab", () => referenceBpe(meta("llama3-vocab"), "llama3", true)],
  ["qwen3-vocab", () => {
    const ref = referenceBpe(meta("qwen3-vocab"), "qwen2", false);
    return (text) => ref(text.normalize("NFC")); // Qwen2 normalizes to NFC first
  }],
  ["ggml-vocab-llama-spm", () => referenceSpm(meta("ggml-vocab-llama-spm"))],
  ["stories260K", () => referenceSpm(meta("stories260K"))],
];

/** Runs of one character (1-4 UTF-8 bytes, letters, digits, punctuation, white space) and of
 *  short patterns, at lengths around the short/long word threshold (64 symbols) and beyond. */
function runs(): string[] {
  const out: string[] = [];
  for (const unit of ["a", "z", "=", "0", " ", "\n", "é", "中", "😀", "\ufffd", "ab", "aab", "a ", "ä😀"]) {
    for (const n of [21, 22, 32, 33, 63, 64, 65, 129, 300]) out.push(unit.repeat(n));
  }
  out.push("x" + "a".repeat(400) + "y", "a".repeat(255) + "b".repeat(257));
  return out;
}

/** Random bytes decoded as UTF-8: U+FFFD runs, controls, short unique pre-tokens. */
function randomBytes(seed: number, length: number): string {
  const next = rng(seed);
  const raw = new Uint8Array(length);
  for (let i = 0; i < length; i++) raw[i] = Math.floor(next() * 256);
  return new TextDecoder().decode(raw);
}

describe("long inputs equal the reference", () => {
  for (const [name, makeRef] of VOCAB_REFS) {
    describe(name, () => {
      const ref = makeRef();
      const t = tok(name);
      it("runs of one character or pattern", () => {
        for (const s of runs()) expect(t.encode(s, { addBos: false }), `${JSON.stringify(s.slice(0, 8))} x ${s.length}`).toEqual(ref(s));
      });
      it("random bytes, 4 KB at a time, twice (the second time from the caches)", () => {
        for (let seed = 1; seed <= 3; seed++) {
          const s = randomBytes(100 + seed, 4096);
          const want = ref(s);
          expect(t.encode(s, { addBos: false })).toEqual(want);
          expect(t.encode(s, { addBos: false })).toEqual(want);
        }
      });
    });
  }
});

describe("Junctions: where a word splits into parts that merge independently", () => {
  // byte-level pieces: "Ã" "©" are the bytes C3 A9 of "é"; "½" is byte BD, the last of U+FFFD
  const j = new Junctions();
  j.add("a", "b");
  j.add("Ã", "©");
  j.add("b", "Ã");
  j.add("½", "a");

  it("splits before a character no merge joins to the one before it", () => {
    expect(j.partEnd("abé", 0, 3)).toBe(3); // a|b and b|C3 are junctions of merges
    expect(j.partEnd("aé", 0, 2)).toBe(1); // a|C3 is not
    expect(j.partEnd("xbab", 1, 4)).toBe(2); // from an offset: b|a is not
    expect(j.partEnd("xbab", 2, 4)).toBe(4);
    expect(j.partEnd("a", 0, 1)).toBe(1);
  });

  it("reads surrogate pairs as one character and lone surrogates as U+FFFD", () => {
    expect(j.partEnd("a\u{1F600}b", 0, 4)).toBe(1);
    expect(j.partEnd("a\u{1F600}b", 1, 4)).toBe(3);
    expect(j.partEnd("\ud800a", 0, 2)).toBe(2); // BD|a is a junction
    expect(j.partEnd("\ud800b", 0, 2)).toBe(1);
  });

  it("is unusable once a rule's junction character is not byte-level text", () => {
    expect(j.usable).toBe(true);
    const k = new Junctions();
    k.add("a", "b");
    k.add("a", "中");
    expect(k.usable).toBe(false);
  });
});

describe("ignore_merges with a whole token that no merge builds", () => {
  it("is still emitted whole although its text splits at a junction", () => {
    // "xyz" has no rule ("xy" and "yz" are not pieces), so x|y is no junction: "xyz" splits,
    // yet as a whole pre-token it is one token; "xyzab" is not a piece and is merged.
    const pieces = ["x", "y", "z", "xyz", "ab", "a", "b"];
    const t = tokenizerFromTiktoken(pieces.map((p, i) => `${btoa(p)} ${i}`).join("\n"), { pattern: "\\p{L}+", specialTokens: {} });
    expect(t.encode("xyzab")).toEqual([0, 1, 2, 4]);
    expect(t.encode("xyz")).toEqual([3]);
  });
});

function vocabView(pieces: string[]): BpeVocabView {
  const ids = new Map<string, number>();
  pieces.forEach((p, i) => { if (!ids.has(p)) ids.set(p, i); });
  return { size: pieces.length, pieces, types: new Uint8Array(pieces.length), idOf: (p) => ids.get(p) };
}

describe("RunMerger (used for long words of long runs) on any word", () => {
  for (const name of ["ggml-vocab-gpt-2", "llama3-vocab", "qwen3-vocab"] as const) {
    it(`${name}: equals the reference merge loop (or gives up)`, () => {
      const m = meta(name);
      const { word } = referenceBpeWord(m);
      const rules = mergesFromList(vocabView(m.get("tokenizer.ggml.tokens") as string[]), m.get("tokenizer.ggml.merges") as string[], "merges");
      const runs = new RunMerger(rules.table, rules.maxRank);
      const next = rng(31);
      const words = ["a".repeat(300), "ab".repeat(150), "aab".repeat(90), "é".repeat(100), "😀".repeat(50), "\ufffd".repeat(80), "=".repeat(257) + "-".repeat(130)];
      for (let i = 0; i < 8; i++) words.push(randomText(next, 100 + Math.floor(next() * 200)));
      for (const w of words) {
        const sym = Int32Array.from(new TextEncoder().encode(w), (b) => rules.byteIds[b]!);
        const got = runs.merge(sym, sym.length);
        // it may give up (a merge result that some lower-rank rule uses; then a heap merges),
        // but not on runs of one ASCII character
        if (got === undefined && /^(a+|=+-+)$/.test(w)) expect.fail(`gave up on ${w.slice(0, 6)}`);
        if (got !== undefined) expect(got, `${JSON.stringify(w.slice(0, 6))} x ${w.length}`).toEqual(word(w));
      }
    });
  }

  it("random rank-implied vocabs: equals the plain tiktoken rule, or gives up (then a heap merges)", () => {
    const next = rng(32);
    let merged = 0;
    for (let v = 0; v < 40; v++) {
      const set = new Set(["a", "b"]);
      while (set.size < 2 + 4 + Math.floor(next() * 10)) {
        let s = "";
        for (let k = 2 + Math.floor(next() * 4); k > 0; k--) s += next() < 0.7 ? "a" : "b";
        set.add(s);
      }
      const pieces = [...set];
      const rules = mergesFromRanks(vocabView(pieces), pieces, pieces.map((_, i) => i));
      const runs = new RunMerger(rules.table, rules.maxRank);
      const reference = (w: string) => referenceRankMerge(pieces, w);
      for (let i = 0; i < 5; i++) {
        let w = "";
        while (w.length < 120) w += (next() < 0.7 ? "a" : "b").repeat(1 + Math.floor(next() * 12));
        const sym = Int32Array.from(w, (c) => rules.byteIds[c.charCodeAt(0)]!);
        const got = runs.merge(sym, sym.length);
        if (got === undefined) continue;
        merged++;
        expect(got, `${pieces.join(",")} / ${w}`).toEqual(reference(w));
      }
    }
    expect(merged).toBeGreaterThan(50); // most words are merged by runs, not given up
  });
});
