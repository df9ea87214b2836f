export * from "./gguf-metadata.js";
export { TokenizerError, type TokenizerErrorCode } from "./errors.js";
export * from "./types.js";
export { tokenizerFromGGUF, tokenizerFromGGUFBytes } from "./from-gguf.js";
export { PATTERNS, PRE_TOKENIZER_NAMES } from "./pretokenize.js";
