// The fast merge loops (heap over a linked list for long words, direct scan for short ones,
// word cache) against plain reference implementations, on random and pathological text.
import { describe, expect, it } from "vitest";
import { tokenizerFromTiktoken } from "../src/index.js";
import { meta, tok } from "./load.js";
import { randomText, referenceBpe, referenceRankMerge, referenceSpm, rng } from "./reference.js";

describe("byte-level BPE (gpt-2) equals the reference", () => {
  const ref = referenceBpe(meta("ggml-vocab-gpt-2"), "gpt2", false);
  const t = tok("ggml-vocab-gpt-2");

  it("on random mixed text", () => {
    const next = rng(1);
    for (let i = 0; i < 200; i++) {
      const s = randomText(next, 1 + Math.floor(next() * 80));
      expect(t.encode(s), JSON.stringify(s)).toEqual(ref(s));
    }
  });

  it("on long single pre-tokens (heap path): repeated characters and random letters", () => {
    const next = rng(2);
    const cases = ["a".repeat(301), "ab".repeat(150), " " + "x".repeat(97), "é".repeat(120), "😀".repeat(40)];
    for (let i = 0; i < 20; i++) {
      let w = "";
      const n = 50 + Math.floor(next() * 250);
      for (let k = 0; k < n; k++) w += "abcdefghijklmnopqrstuvwxyz"[Math.floor(next() * 26)];
      cases.push(w);
    }
    for (const s of cases) expect(t.encode(s), s.slice(0, 20)).toEqual(ref(s));
  });
});

describe("byte-level BPE (llama-bpe, ignore_merges) equals the reference", () => {
  const ref = referenceBpe(meta("llama3-vocab"), "llama3", true);
  const t = tok("llama3-vocab");
  it("on random mixed text and long runs", () => {
    const next = rng(3);
    const cases = ["a".repeat(200), "=".repeat(150), "\n".repeat(70), "1".repeat(90)];
    for (let i = 0; i < 150; i++) cases.push(randomText(next, 1 + Math.floor(next() * 100)));
    for (const s of cases) expect(t.encode(s, { addBos: false }), JSON.stringify(s)).toEqual(ref(s));
  });
});

describe("byte-level BPE on random bytes (U+FFFD runs, controls, short unique pre-tokens)", () => {
  for (const [name, pre, ignoreMerges] of [["ggml-vocab-gpt-2", "gpt2", false], ["llama3-vocab", "llama3", true]] as const) {
    it(name, () => {
      const ref = referenceBpe(meta(name), pre, ignoreMerges);
      const t = tok(name);
      const next = rng(6);
      const utf8 = new TextDecoder();
      for (let i = 0; i < 60; i++) {
        const raw = new Uint8Array(1 + Math.floor(next() * 300));
        for (let k = 0; k < raw.length; k++) raw[k] = Math.floor(next() * 256);
        const s = utf8.decode(raw);
        // twice: the second encode is served from the caches the first one filled
        expect(t.encode(s, { addBos: false }), JSON.stringify(s)).toEqual(ref(s));
        expect(t.encode(s, { addBos: false }), JSON.stringify(s)).toEqual(ref(s));
      }
    });
  }
});

describe("SentencePiece equals the reference", () => {
  for (const name of ["stories260K", "ggml-vocab-llama-spm"] as const) {
    it(`${name}: random text (byte fallback, ties, long runs)`, () => {
      const ref = referenceSpm(meta(name));
      const t = tok(name);
      const next = rng(4);
      const cases = ["a".repeat(120), "  ".repeat(40), "ab".repeat(60), "中".repeat(30)];
      for (let i = 0; i < 120; i++) cases.push(randomText(next, 1 + Math.floor(next() * 60)));
      for (const s of cases) expect(t.encode(s, { addBos: false }), JSON.stringify(s)).toEqual(ref(s));
    });
  }
});

describe("decode(encode(x)) round trip", () => {
  for (const name of ["ggml-vocab-llama-spm", "ggml-vocab-gpt-2", "llama3-vocab", "qwen3-vocab", "stories260K"] as const) {
    it(name, () => {
      const t = tok(name);
      const next = rng(5);
      for (let i = 0; i < 150; i++) {
        const s = randomText(next, Math.floor(next() * 120));
        const want = name === "qwen3-vocab" ? s.normalize("NFC") : s;
        expect(t.decode(t.encode(s, { addBos: false })), JSON.stringify(s)).toBe(want);
      }
    });
  }

  it("lone surrogates are encoded as U+FFFD, never throw", () => {
    for (const name of ["llama3-vocab", "stories260K"] as const) {
      const t = tok(name);
      expect(t.decode(t.encode("a\ud800b\udc00c", { addBos: false }))).toBe("a\ufffdb\ufffdc");
    }
  });
});

describe("rank-implied merges (tiktoken) on long words", () => {
  // Merging "ab" (rank 5) creates ab+a = "aba" of LOWER rank (3), and "bc" (6) creates
  // a+bc = "abc" (4): the bucket queue must hand over to the heap, or it would go on merging
  // rank-5 pairs that the lower-rank pair should have taken first.
  const pieces = ["a", "b", "c", "aba", "abc", "ab", "bc", "cab"];
  const b64 = (s: string) => btoa(s);
  const file = pieces.map((p, i) => `${b64(p)} ${i}`).join("\n");
  const t = tokenizerFromTiktoken(file, { pattern: "\\p{L}+", specialTokens: {} });

  // tiktoken's rule, written plainly: merge the adjacent pair whose concatenation has the lowest rank, leftmost first.
  const reference = (word: string) => referenceRankMerge(pieces, word);

  it("short and long words agree with the reference", () => {
    expect(t.encode("abc".repeat(60))).toEqual(reference("abc".repeat(60)));
    expect(t.encode("abc".repeat(60))).toEqual(new Array(60).fill(4));
    expect(t.encode("ab".repeat(80))).toEqual(reference("ab".repeat(80)));
    const next = rng(9);
    for (let i = 0; i < 60; i++) {
      let w = "";
      const n = 2 + Math.floor(next() * 400);
      for (let k = 0; k < n; k++) w += "abc"[Math.floor(next() * 3)];
      expect(t.encode(w), w).toEqual(reference(w));
    }
  });
});

describe("random rank-implied vocabs on long words", () => {
  it("equal the plain tiktoken rule", () => {
    const next = rng(21);
    for (let v = 0; v < 40; v++) {
      // a random vocab over {a, b, c}: the three bytes, then random strings of 2-5 letters
      const set = new Set(["a", "b", "c"]);
      while (set.size < 3 + 6 + Math.floor(next() * 20)) {
        let s = "";
        const len = 2 + Math.floor(next() * 4);
        for (let k = 0; k < len; k++) s += "abc"[Math.floor(next() * 3)];
        set.add(s);
      }
      const pieces = [...set];
      const t = tokenizerFromTiktoken(pieces.map((p, i) => `${btoa(p)} ${i}`).join("\n"), { pattern: "\\p{L}+", specialTokens: {} });
      const reference = (word: string) => referenceRankMerge(pieces, word);
      for (let i = 0; i < 6; i++) {
        let w = "";
        const n = 130 + Math.floor(next() * 200);
        for (let k = 0; k < n; k++) w += "abc"[Math.floor(next() * (next() < 0.5 ? 2 : 3))];
        expect(t.encode(w), `${pieces.join(",")} / ${w}`).toEqual(reference(w));
      }
    }
  });
});
