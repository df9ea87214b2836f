// Special tokens, introspection, streaming decode and typed errors.
import { describe, expect, it } from "vitest";
import {
  TokenType, TokenizerError, tokenizerFromGGUF, tokenizerFromGGUFBytes, type GGUFValue, type Tokenizer,
} from "../src/index.js";
import { meta, tok } from "./load.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return (e as TokenizerError).code;
  }
  return undefined;
}

describe("parseSpecial", () => {
  it("llama-bpe: <|eot_id|> is text unless parseSpecial", () => {
    const t = tok("llama3-vocab");
    const plain = t.encode("hi<|eot_id|>", { addBos: false });
    expect(plain).not.toContain(128009);
    expect(t.decode(plain)).toBe("hi<|eot_id|>");
    expect(t.encode("hi<|eot_id|>", { addBos: false, parseSpecial: true })).toEqual([...t.encode("hi", { addBos: false }), 128009]);
    expect(t.encode("<|begin_of_text|>x", { addBos: false, parseSpecial: true })[0]).toBe(128000);
  });

  it("SentencePiece: <s> text, and the space prefix is re-applied after a special token", () => {
    const t = tok("ggml-vocab-llama-spm");
    expect(t.encode("<s>Hello", { addBos: false })).not.toContain(1);
    expect(t.encode("<s>Hello", { addBos: false, parseSpecial: true })).toEqual([1, ...t.encode("Hello", { addBos: false })]);
  });

  it("user-defined tokens (Qwen <think>) are always matched", () => {
    const t = tok("qwen3-vocab");
    const think = t.idOf("<think>")!;
    expect(t.tokenType(think)).toBe(TokenType.USER_DEFINED);
    expect(t.encode("a<think>b")).toEqual([...t.encode("a"), think, ...t.encode("b")]);
  });

  it("addBos / addEos defaults follow the vocab", () => {
    const spm = tok("ggml-vocab-llama-spm");
    expect(spm.addBosDefault).toBe(true);
    expect(spm.encode("Hi")[0]).toBe(1);
    expect(spm.encode("Hi", { addEos: true }).at(-1)).toBe(2);
    expect(spm.encode("")).toEqual([1]);
    expect(spm.encode("", { addBos: false })).toEqual([]);
    expect(tok("llama3-vocab").encode("Hi")[0]).toBe(128000);
    expect(tok("qwen3-vocab").addBosDefault).toBe(false);
    expect(tok("ggml-vocab-gpt-2").addBosDefault).toBe(false);
  });
});

describe("introspection", () => {
  it("special ids and types", () => {
    const s = tok("stories260K");
    expect([s.model, s.vocabSize, s.bos, s.eos, s.unk, s.pad]).toEqual(["llama", 512, 1, 2, 0, -1]);
    expect(s.tokenType(0)).toBe(TokenType.UNKNOWN);
    expect(s.isControl(1)).toBe(true);
    expect(s.tokenType(3)).toBe(TokenType.BYTE);
    expect(s.tokenToPiece(3)).toBe("<0x00>");
    expect(s.idOf("<0x0A>")).toBe(13);
    const l = tok("llama3-vocab");
    expect([l.model, l.preTokenizer, l.vocabSize, l.bos, l.eos, l.eot]).toEqual(["gpt2", "llama-bpe", 128256, 128000, 128001, 128009]);
    expect(l.isEndOfGeneration(128009) && l.isEndOfGeneration(128001) && !l.isEndOfGeneration(13)).toBe(true);
    expect(l.tokenToPiece(l.idOf("Ġthe")!)).toBe("Ġthe");
    expect(new TextDecoder().decode(l.tokenToBytes(l.idOf("Ġthe")!))).toBe(" the");
    const q = tok("qwen3-vocab");
    expect([q.bos, q.eos, q.pad, q.eot]).toEqual([151643, 151645, 151643, 151645]);
  });

  it("decode skipSpecial drops control tokens", () => {
    const l = tok("llama3-vocab");
    const ids = l.encode("Hello<|eot_id|>", { parseSpecial: true });
    expect(l.decode(ids)).toBe("<|begin_of_text|>Hello<|eot_id|>");
    expect(l.decode(ids, { skipSpecial: true })).toBe("Hello");
    const s = tok("ggml-vocab-llama-spm");
    expect(s.decode(s.encode("Hello world"), { skipSpecial: true })).toBe("Hello world");
    expect(s.decode(s.encode("Hello"), { skipSpecial: true, stripLeadingSpace: false })).toBe(" Hello");
  });
});

describe("stream decoder", () => {
  function streamAll(t: Tokenizer, ids: number[]): string[] {
    const d = t.createStreamDecoder({ skipSpecial: false });
    const parts = ids.map((id) => d.push(id));
    parts.push(d.flush());
    return parts;
  }

  it("holds back multi-byte characters split over byte-fallback tokens (stories260K)", () => {
    const t = tok("stories260K");
    const text = "Lily saw 中文 and 😀!";
    const ids = t.encode(text, { addBos: false });
    expect(ids.filter((id) => t.tokenType(id) === TokenType.BYTE).length).toBeGreaterThanOrEqual(10);
    const parts = streamAll(t, ids);
    for (const p of parts) expect(p).not.toContain("\ufffd");
    expect(parts.join("")).toBe(" " + text);
    // the first bytes of 中 produce no text; the token completing it produces the whole character
    const i = ids.indexOf(t.idOf("<0xE4>")!);
    expect(parts[i]).toBe("");
    expect(parts.slice(i, i + 3).join("")).toBe("中");
  });

  it("holds back characters split over byte-level BPE tokens (gpt-2)", () => {
    const t = tok("ggml-vocab-gpt-2");
    const text = "🎉🦙 ok Ωmega 𝔘𝔫𝔦";
    const ids = t.encode(text);
    expect(ids.length).toBeGreaterThan([...text].length);
    const parts = streamAll(t, ids);
    for (const p of parts) expect(p).not.toContain("\ufffd");
    expect(parts.join("")).toBe(text);
  });

  it("invalid bytes become U+FFFD and never throw; skipSpecial by default", () => {
    const t = tok("stories260K");
    const d = t.createStreamDecoder();
    const byte = (b: number) => t.idOf(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)!;
    expect(d.push(byte(0xff))).toBe("\ufffd");
    expect(d.push(byte(0xe4))).toBe(""); // incomplete: held back
    expect(d.push(byte(0x41))).toBe("\ufffdA"); // broken sequence, then 'A'
    expect(d.push(byte(0xe4))).toBe("");
    expect(d.flush()).toBe("\ufffd"); // truncated at the end
    expect(d.push(1)).toBe(""); // BOS is special: skipped
    expect(codeOf(() => d.push(512))).toBe("ID_OUT_OF_RANGE");
    d.reset();
    expect(d.push(byte(0x42))).toBe("B");
  });
});

describe("errors", () => {
  const base = meta("stories260K");
  const withKey = (key: string, value: GGUFValue | undefined) => {
    const m = new Map(base);
    if (value === undefined) m.delete(key);
    else m.set(key, value);
    return m;
  };

  it("UNKNOWN_MODEL names tokenizer.ggml.model", () => {
    const m = withKey("tokenizer.ggml.model", "bert");
    expect(codeOf(() => tokenizerFromGGUF(m))).toBe("UNKNOWN_MODEL");
    expect(() => tokenizerFromGGUF(m)).toThrow(/tokenizer\.ggml\.model.*bert/);
  });

  it("UNKNOWN_PRE_TOKENIZER names tokenizer.ggml.pre", () => {
    const m = new Map(meta("ggml-vocab-gpt-2"));
    m.set("tokenizer.ggml.pre", "no-such-pre");
    expect(codeOf(() => tokenizerFromGGUF(m))).toBe("UNKNOWN_PRE_TOKENIZER");
    expect(() => tokenizerFromGGUF(m)).toThrow(/tokenizer\.ggml\.pre.*no-such-pre/);
  });

  it("MISSING_KEY for absent model, tokens or merges", () => {
    expect(codeOf(() => tokenizerFromGGUF(withKey("tokenizer.ggml.model", undefined)))).toBe("MISSING_KEY");
    expect(codeOf(() => tokenizerFromGGUF(withKey("tokenizer.ggml.tokens", undefined)))).toBe("MISSING_KEY");
    const m = new Map(meta("ggml-vocab-gpt-2"));
    m.delete("tokenizer.ggml.merges");
    expect(codeOf(() => tokenizerFromGGUF(m))).toBe("MISSING_KEY");
  });

  it("BAD_VALUE for per-token arrays of the wrong length", () => {
    expect(codeOf(() => tokenizerFromGGUF(withKey("tokenizer.ggml.scores", new Float32Array(3))))).toBe("BAD_VALUE");
  });

  it("ID_OUT_OF_RANGE from decode, tokenToPiece, tokenType and bad special ids", () => {
    const t = tok("stories260K");
    for (const bad of [-1, 512, 1.5, NaN]) {
      expect(codeOf(() => t.decode([5, bad]))).toBe("ID_OUT_OF_RANGE");
      expect(codeOf(() => t.tokenToPiece(bad))).toBe("ID_OUT_OF_RANGE");
      expect(codeOf(() => t.tokenType(bad))).toBe("ID_OUT_OF_RANGE");
    }
    expect(codeOf(() => tokenizerFromGGUF(withKey("tokenizer.ggml.bos_token_id", 9999)))).toBe("ID_OUT_OF_RANGE");
  });

  it("a non-GGUF buffer gives a GGUFFormatError", () => {
    expect(() => tokenizerFromGGUFBytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a GGUF file/);
  });
});

describe("pre-tokenizer names", () => {
  it("dbrx / smaug-bpe: the Llama 3 split without ignore_merges (README's Cửa Việt case)", () => {
    const m = new Map(meta("llama3-vocab"));
    expect(tok("llama3-vocab").encode("Cửa Việt", { addBos: false })).toEqual([34, 91163, 101798]);
    for (const pre of ["dbrx", "smaug-bpe"]) {
      m.set("tokenizer.ggml.pre", pre);
      expect(tokenizerFromGGUF(m).encode("Cửa Việt", { addBos: false })).toEqual([34, 91163, 11655, 26298, 83]);
    }
  });

  it("gpt-2 family aliases behave like gpt-2", () => {
    const m = new Map(meta("ggml-vocab-gpt-2"));
    const text = "Hello, world!  It's 2024 —  tabs\tand\nnewlines 'LL";
    const want = tok("ggml-vocab-gpt-2").encode(text);
    for (const pre of ["phi-2", "mpt", "olmo", "jais"]) {
      m.set("tokenizer.ggml.pre", pre);
      expect(tokenizerFromGGUF(m).encode(text), pre).toEqual(want);
    }
  });
});
