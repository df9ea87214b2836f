// Build a Tokenizer from GGUF metadata (`tokenizer.ggml.*`), as llama.cpp's llama_vocab does.

import { BpeTextModel } from "./bpe-model.js";
import { mergesFromList } from "./merge-rules.js";
import { TokenizerError } from "./errors.js";
import { readGGUFMetadata, type GGUFValue } from "./gguf-metadata.js";
import { preTokenizerSpec } from "./pretokenize.js";
import { SpmTextModel } from "./spm-model.js";
import { TokenizerImpl } from "./tokenizer.js";
import type { Tokenizer } from "./types.js";
import { TokenType } from "./types.js";
import { optionalId, Vocab, type SpecialIds } from "./vocab.js";

/** Texts that mark the end of a chat turn, checked in order when no eot id is stored. */
export const EOT_CANDIDATES = [
  "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>",
];

type Meta = Map<string, GGUFValue>;

function stringArray(meta: Meta, key: string): string[] {
  const v = meta.get(key);
  if (v === undefined) throw new TokenizerError("MISSING_KEY", `GGUF metadata has no '${key}'`, key);
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new TokenizerError("BAD_VALUE", `GGUF key '${key}' must be an array of strings`, key);
  }
  return v as string[];
}

function numberArray(meta: Meta, key: string, n: number): ArrayLike<number> | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  const ok = ArrayBuffer.isView(v) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array) && !(v instanceof DataView);
  if (!ok) throw new TokenizerError("BAD_VALUE", `GGUF key '${key}' must be a numeric array`, key);
  const arr = v as unknown as ArrayLike<number>;
  if (arr.length !== n) throw new TokenizerError("BAD_VALUE", `GGUF key '${key}' has ${arr.length} entries, expected ${n} (one per token)`, key);
  return arr;
}

function bool(meta: Meta, key: string, fallback: boolean): boolean {
  const v = meta.get(key);
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new TokenizerError("BAD_VALUE", `GGUF key '${key}' must be a bool`, key);
  return v;
}

function specialIds(meta: Meta, defaults: SpecialIds, idOf: (s: string) => number | undefined): SpecialIds {
  const get = (name: string, fallback: number): number =>
    meta.has(`tokenizer.ggml.${name}`) ? optionalId(meta.get(`tokenizer.ggml.${name}`)) : fallback;
  const ids: SpecialIds = {
    bos: get("bos_token_id", defaults.bos),
    eos: get("eos_token_id", defaults.eos),
    unk: get("unknown_token_id", defaults.unk),
    pad: get("padding_token_id", defaults.pad),
    eot: get("eot_token_id", -1),
  };
  if (ids.eot === -1) ids.eot = guessEot(idOf);
  return ids;
}

export function guessEot(idOf: (s: string) => number | undefined): number {
  for (const text of EOT_CANDIDATES) {
    const id = idOf(text);
    if (id !== undefined) return id;
  }
  return -1;
}

/** Build a tokenizer from parsed GGUF metadata (e.g. `readGGUFMetadata(bytes).metadata`). */
export function tokenizerFromGGUF(meta: Meta): Tokenizer {
  const modelKey = "tokenizer.ggml.model";
  const model = meta.get(modelKey);
  if (model === undefined) throw new TokenizerError("MISSING_KEY", `GGUF metadata has no '${modelKey}'`, modelKey);
  if (model !== "llama" && model !== "gpt2") {
    throw new TokenizerError("UNKNOWN_MODEL", `unsupported tokenizer model ${modelKey} = '${String(model)}' (supported: llama, gpt2)`, modelKey);
  }
  const pieces = stringArray(meta, "tokenizer.ggml.tokens");
  const n = pieces.length;
  const typesIn = numberArray(meta, "tokenizer.ggml.token_type", n);
  const types = new Uint8Array(n).fill(TokenType.NORMAL);
  if (typesIn) for (let i = 0; i < n; i++) types[i] = typesIn[i]!;
  const scoresIn = numberArray(meta, "tokenizer.ggml.scores", n);
  const scores = scoresIn ? Float32Array.from(scoresIn) : new Float32Array(n);
  const firstId = (s: string): number | undefined => {
    const i = pieces.indexOf(s);
    return i < 0 ? undefined : i;
  };

  if (model === "llama") {
    const vocab = new Vocab(pieces, types, scores, specialIds(meta, { bos: 1, eos: 2, unk: 0, pad: -1, eot: -1 }, firstId));
    return new TokenizerImpl({
      model, preTokenizer: "default", vocab,
      textModel: new SpmTextModel(vocab, bool(meta, "tokenizer.ggml.add_space_prefix", true)),
      addBos: bool(meta, "tokenizer.ggml.add_bos_token", true),
      addEos: bool(meta, "tokenizer.ggml.add_eos_token", false),
    });
  }

  const preKey = "tokenizer.ggml.pre";
  const preValue = meta.get(preKey) ?? "default";
  if (typeof preValue !== "string") throw new TokenizerError("BAD_VALUE", `GGUF key '${preKey}' must be a string`, preKey);
  const spec = preTokenizerSpec(preValue);
  const merges = stringArray(meta, "tokenizer.ggml.merges");
  const vocab = new Vocab(pieces, types, new Float32Array(0), specialIds(meta, { bos: -1, eos: -1, unk: -1, pad: -1, eot: -1 }, firstId));
  return new TokenizerImpl({
    model, preTokenizer: preValue, vocab,
    textModel: new BpeTextModel(vocab, mergesFromList(vocab, merges, "tokenizer.ggml.merges"), spec),
    addBos: bool(meta, "tokenizer.ggml.add_bos_token", spec.ignoreMerges), // llama.cpp: Llama 3 adds BOS by default
    addEos: bool(meta, "tokenizer.ggml.add_eos_token", false),
  });
}

/** Parse a GGUF file's bytes (a prefix holding the whole metadata section is enough). */
export function tokenizerFromGGUFBytes(bytes: Uint8Array): Tokenizer {
  return tokenizerFromGGUF(readGGUFMetadata(bytes).metadata);
}
