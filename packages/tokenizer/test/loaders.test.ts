// tiktoken rank files and tokenizer.json load into tokenizers identical to the GGUF ones.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  TokenizerError, hfJsonFromGGUF, llama3SpecialTokens, tokenizerFromHFJson, tokenizerFromTiktoken, TokenType,
} from "../src/index.js";
import { meta, tok, type VocabName } from "./load.js";
import { randomText, rng } from "./reference.js";
import { EXTRA_INPUTS, INPUTS, readInputs, VECTORS_DIR } from "./vectors.js";

const ALL = [...readInputs(INPUTS), ...readInputs(EXTRA_INPUTS)];
const SPECIAL_TEXT = ["<|begin_of_text|>Hi<|eot_id|>", "x<|start_header_id|>user<|end_header_id|>\n\n", "<|reserved_special_token_250|>"];

function code(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return e instanceof TokenizerError ? e.code : "other"; }
  return undefined;
}

describe("tiktoken rank file (BitNet b1.58 2B4T tokenizer.model)", () => {
  const tt = tokenizerFromTiktoken(readFileSync(new URL("bitnet-b1.58-2B-4T.tokenizer.model", VECTORS_DIR), "utf8"));
  const gguf = tok("llama3-vocab");

  it("has the Llama 3 vocab and specials", () => {
    expect([tt.vocabSize, tt.bos, tt.eos, tt.eot, tt.addBosDefault]).toEqual([128256, 128000, 128001, 128009, true]);
    for (let id = 0; id < tt.vocabSize; id += 97) expect(tt.tokenToPiece(id)).toBe(gguf.tokenToPiece(id));
    for (let id = 128000; id < 128256; id++) {
      expect(tt.tokenToPiece(id)).toBe(gguf.tokenToPiece(id));
      expect(tt.tokenType(id)).toBe(TokenType.CONTROL);
    }
    expect(Object.keys(llama3SpecialTokens()).length).toBe(256);
  });

  it("tokenizes every vector string, special text and random text exactly like llama3-vocab.gguf", () => {
    const next = rng(7);
    const strings = [...ALL, ...SPECIAL_TEXT];
    for (let i = 0; i < 100; i++) strings.push(randomText(next, Math.floor(next() * 100)));
    for (const s of strings) {
      for (const parseSpecial of [false, true]) {
        expect(tt.encode(s, { parseSpecial }), JSON.stringify(s)).toEqual(gguf.encode(s, { parseSpecial }));
      }
    }
  });

  it("rejects malformed files", () => {
    expect(code(() => tokenizerFromTiktoken("IQ== 0\nnot a line\n"))).toBe("BAD_VALUE");
    expect(code(() => tokenizerFromTiktoken("IQ== 0\nIg== 0\n"))).toBe("BAD_VALUE");
    expect(code(() => tokenizerFromTiktoken(""))).toBe("MISSING_KEY");
    expect(code(() => tokenizerFromTiktoken("IQ== 0\n", { pattern: "no-such-pattern(" }))).toBe("UNKNOWN_PRE_TOKENIZER");
  });

  it("a small rank file with a custom pattern", () => {
    // bytes a, b, ab, abab (base64 YQ== Yg== YWI= YWJhYg==)
    const t = tokenizerFromTiktoken("YQ== 0\nYg== 1\nYWI= 2\nYWJhYg== 3\n", { pattern: "\\p{L}+|\\s+", specialTokens: { "<|x|>": 4 } });
    expect(t.encode("ababab")).toEqual([3, 2]); // ab ab ab → abab ab (leftmost first)
    expect(t.encode("ababa")).toEqual([3, 0]);
    expect(t.encode("ab<|x|>", { parseSpecial: true })).toEqual([2, 4]);
    expect([t.vocabSize, t.bos, t.eos, t.addBosDefault]).toEqual([5, -1, -1, false]);
  });
});

describe("tokenizer.json", () => {
  for (const name of ["ggml-vocab-gpt-2", "llama3-vocab", "qwen3-vocab"] as VocabName[]) {
    it(`${name}: exported from the GGUF and loaded back, identical on all vectors`, () => {
      const t = tokenizerFromHFJson(JSON.stringify(hfJsonFromGGUF(meta(name))));
      const g = tok(name);
      expect([t.preTokenizer, t.vocabSize, t.bos]).toEqual([g.preTokenizer, g.vocabSize, g.bos]);
      for (const s of [...ALL, ...SPECIAL_TEXT]) {
        expect(t.encode(s, { parseSpecial: true }), JSON.stringify(s)).toEqual(g.encode(s, { parseSpecial: true }));
        expect(t.encode(s), JSON.stringify(s)).toEqual(g.encode(s));
      }
    });
  }

  it("SentencePiece-style tokenizer.json (byte_fallback, merges from scores) matches the GGUF", () => {
    // Build what Hugging Face's converter builds from a SentencePiece model: merges of every
    // split of every piece into two pieces, ordered by the merged piece's score.
    const m = meta("ggml-vocab-llama-spm");
    const tokens = m.get("tokenizer.ggml.tokens") as string[];
    const scores = m.get("tokenizer.ggml.scores") as Float32Array;
    const types = m.get("tokenizer.ggml.token_type") as Int32Array;
    const vocab: Record<string, number> = {};
    tokens.forEach((t, i) => (vocab[t] = i));
    const merges: [string, string, number][] = [];
    tokens.forEach((t, i) => {
      if (types[i] !== TokenType.NORMAL) return;
      const chars = [...t];
      for (let k = 1; k < chars.length; k++) {
        const l = chars.slice(0, k).join(""), r = chars.slice(k).join("");
        if (vocab[l] !== undefined && vocab[r] !== undefined) merges.push([l, r, i]);
      }
    });
    merges.sort((a, b) => scores[b[2]]! - scores[a[2]]! || a[2] - b[2]);
    const json = {
      added_tokens: [
        { id: 0, content: "<unk>", special: true }, { id: 1, content: "<s>", special: true }, { id: 2, content: "</s>", special: true },
      ],
      normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
      pre_tokenizer: null,
      post_processor: { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }] },
      model: { type: "BPE", byte_fallback: true, unk_token: "<unk>", vocab, merges: merges.map(([l, r]) => `${l} ${r}`) },
    };
    const t = tokenizerFromHFJson(json);
    const g = tok("ggml-vocab-llama-spm");
    expect([t.model, t.bos, t.unk, t.addBosDefault]).toEqual(["llama", 1, 0, true]);
    for (const s of ALL) expect(t.encode(s), JSON.stringify(s)).toEqual(g.encode(s));
  });

  it("rejects unsupported or malformed files with typed errors", () => {
    expect(code(() => tokenizerFromHFJson("{"))).toBe("BAD_VALUE");
    expect(code(() => tokenizerFromHFJson({ model: { type: "Unigram", vocab: [] } }))).toBe("UNKNOWN_MODEL");
    expect(code(() => tokenizerFromHFJson({ model: { type: "BPE", vocab: {} } }))).toBe("MISSING_KEY");
    const bad = { model: { type: "BPE", vocab: { a: 0 }, merges: [] }, pre_tokenizer: { type: "Split", pattern: { Regex: "\\w+" } } };
    expect(code(() => tokenizerFromHFJson(bad))).toBe("UNKNOWN_PRE_TOKENIZER");
    const prefixed = { model: { type: "BPE", vocab: { a: 0 }, merges: [] }, pre_tokenizer: { type: "ByteLevel", add_prefix_space: true } };
    expect(code(() => tokenizerFromHFJson(prefixed))).toBe("UNKNOWN_PRE_TOKENIZER");
  });
});

describe("special tokens with regex syntax characters", () => {
  it("are matched literally", () => {
    const specials = { "<|a-b|>": 2, "[x.y]*": 3, "</s>": 4, "(?:^$)\\": 5 };
    const t = tokenizerFromTiktoken("YQ== 0\nYg== 1\n", { pattern: "\\p{L}+|[^\\p{L}]+", specialTokens: specials });
    for (const [text, id] of Object.entries(specials)) {
      expect(t.encode(`a${text}b`, { parseSpecial: true })).toEqual([0, id, 1]);
      expect(t.encode(`a${text}b`, { parseSpecial: false })).not.toContain(id);
    }
  });
});
