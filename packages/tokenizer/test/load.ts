// Shared, memoized vocab loading for the tests.
import { readFileSync } from "node:fs";
import { readGGUFMetadata, tokenizerFromGGUF, type GGUFValue, type Tokenizer } from "../src/index.js";
import { VOCABS } from "./vectors.js";

const metas = new Map<string, Map<string, GGUFValue>>();
const toks = new Map<string, Tokenizer>();

export type VocabName = "ggml-vocab-llama-spm" | "ggml-vocab-gpt-2" | "llama3-vocab" | "qwen3-vocab" | "stories260K";

export function meta(name: VocabName): Map<string, GGUFValue> {
  let m = metas.get(name);
  if (!m) {
    m = readGGUFMetadata(readFileSync(VOCABS.find((v) => v.name === name)!.gguf)).metadata;
    metas.set(name, m);
  }
  return m;
}

export function tok(name: VocabName): Tokenizer {
  let t = toks.get(name);
  if (!t) {
    t = tokenizerFromGGUF(meta(name));
    toks.set(name, t);
  }
  return t;
}
