// Export a byte-level BPE vocab from GGUF metadata as a Hugging Face tokenizer.json object,
// so a GGUF's vocab can be used with other tokenizer libraries (and compared against them).

import { TokenizerError } from "./errors.js";
import type { GGUFValue } from "./gguf-metadata.js";
import { HF_SPLIT_PATTERNS, preTokenizerSpec } from "./pretokenize.js";
import { TokenType } from "./types.js";

export function hfJsonFromGGUF(meta: Map<string, GGUFValue>): Record<string, unknown> {
  if (meta.get("tokenizer.ggml.model") !== "gpt2") {
    throw new TokenizerError("UNKNOWN_MODEL", `hfJsonFromGGUF supports tokenizer.ggml.model = 'gpt2' only, not '${String(meta.get("tokenizer.ggml.model"))}'`, "tokenizer.ggml.model");
  }
  const pre = String(meta.get("tokenizer.ggml.pre") ?? "default");
  const spec = preTokenizerSpec(pre);
  const name = Object.keys(HF_SPLIT_PATTERNS).find((k) => preTokenizerSpec(k) === spec);
  if (name === undefined) throw new TokenizerError("UNKNOWN_PRE_TOKENIZER", `no tokenizer.json form for pre-tokenizer '${pre}'`, "tokenizer.ggml.pre");
  const tokens = meta.get("tokenizer.ggml.tokens") as string[];
  const types = meta.get("tokenizer.ggml.token_type") as ArrayLike<number> | undefined;
  const merges = meta.get("tokenizer.ggml.merges") as string[];
  if (!Array.isArray(tokens) || !Array.isArray(merges)) {
    throw new TokenizerError("MISSING_KEY", "GGUF metadata lacks tokenizer.ggml.tokens or merges", "tokenizer.ggml.tokens");
  }
  const vocab: Record<string, number> = {};
  const added: object[] = [];
  tokens.forEach((t, id) => {
    const type = types?.[id] ?? TokenType.NORMAL;
    if (type === TokenType.CONTROL || type === TokenType.USER_DEFINED) {
      added.push({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: type === TokenType.CONTROL });
    } else vocab[t] = id;
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: name === "gpt-2" };
  const preTokenizer = name === "gpt-2" ? byteLevel : {
    type: "Sequence",
    pretokenizers: [{ type: "Split", pattern: { Regex: HF_SPLIT_PATTERNS[name] }, behavior: "Isolated", invert: false }, byteLevel],
  };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: spec.normalize === "NFC" ? { type: "NFC" } : null,
    pre_tokenizer: preTokenizer,
    post_processor: bosTemplate(meta, tokens, spec.ignoreMerges) ?? { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: spec.ignoreMerges, vocab, merges,
    },
  };
}

/** A TemplateProcessing post-processor that prepends BOS, when the vocab adds one by default. */
function bosTemplate(meta: Map<string, GGUFValue>, tokens: string[], addBosDefault: boolean): object | undefined {
  const bos = meta.get("tokenizer.ggml.bos_token_id");
  const addBos = meta.get("tokenizer.ggml.add_bos_token") ?? addBosDefault;
  if (addBos !== true || typeof bos !== "number" || tokens[bos] === undefined) return undefined;
  const text = tokens[bos]!;
  return {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: text, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [{ SpecialToken: { id: text, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: { [text]: { id: text, ids: [bos], tokens: [text] } },
  };
}
