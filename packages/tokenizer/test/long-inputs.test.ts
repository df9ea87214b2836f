// The paths that keep pathological inputs linear (long single pre-tokens through the rank
// buckets, runs of one symbol, many unique short pre-tokens from random bytes) against the
// plain reference tokenizers, on all five vocabs.
import { describe, expect, it } from "vitest";
import { tokenizerFromTiktoken } from "../src/index.js";
import { Junctions } from "../src/junctions.js";
import { meta, tok, type VocabName } from "./load.js";
import { referenceBpe, referenceSpm, rng } from "./reference.js";

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
