export * from "./gguf-metadata.js";
export { TokenizerError, type TokenizerErrorCode } from "./errors.js";
export * from "./types.js";
export { tokenizerFromGGUF, tokenizerFromGGUFBytes } from "./from-gguf.js";
export { tokenizerFromHFJson, type HFJsonOptions } from "./from-hf-json.js";
export { tokenizerFromTiktoken, llama3SpecialTokens, type TiktokenOptions } from "./from-tiktoken.js";
export { PATTERNS, PRE_TOKENIZER_NAMES } from "./pretokenize.js";
export { hfJsonFromGGUF } from "./to-hf-json.js";
export { PreTokenizer, preTokenizerSpec, type PreTokenizerSpec } from "./pretokenize.js";
