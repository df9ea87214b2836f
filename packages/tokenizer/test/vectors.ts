// Loads the shared llama.cpp-format tokenizer vectors (../shared/tokenizer-vectors).
import { readFileSync } from "node:fs";

export const VECTORS_DIR = new URL("../../../../shared/tokenizer-vectors/", import.meta.url);
export const MODELS_DIR = new URL("../../../../shared/models/", import.meta.url);
const SEP = "\n__ggml_vocab_test__\n";

export function readInputs(file: URL): string[] {
  const parts = readFileSync(file, "utf8").split(SEP);
  if (parts.pop() !== "") throw new Error(`${file}: does not end with the separator`);
  return parts;
}

export function readOutputs(file: URL): number[][] {
  const text = readFileSync(file, "utf8");
  if (!text.endsWith("\n")) throw new Error(`${file}: does not end with a newline`);
  return text.slice(0, -1).split("\n").map((line) => (line === "" ? [] : line.trim().split(" ").map(Number)));
}

export interface VocabCase {
  name: string;
  gguf: URL;
  out: URL;
  extraOut: URL;
}

export const VOCABS: VocabCase[] = [
  { name: "ggml-vocab-llama-spm", gguf: new URL("ggml-vocab-llama-spm.gguf", VECTORS_DIR) },
  { name: "ggml-vocab-gpt-2", gguf: new URL("ggml-vocab-gpt-2.gguf", VECTORS_DIR) },
  { name: "llama3-vocab", gguf: new URL("llama3-vocab.gguf", VECTORS_DIR) },
  { name: "qwen3-vocab", gguf: new URL("qwen3-vocab.gguf", VECTORS_DIR) },
  { name: "stories260K", gguf: new URL("stories260K.gguf", MODELS_DIR) },
].map((v) => ({
  ...v,
  out: new URL(`${v.name}.gguf.out`, VECTORS_DIR),
  extraOut: new URL(`extra/extra.${v.name}.out`, VECTORS_DIR),
}));

export const INPUTS = new URL("ggml-vocab-llama-spm.gguf.inp", VECTORS_DIR);
export const EXTRA_INPUTS = new URL("extra/extra.inp", VECTORS_DIR);
