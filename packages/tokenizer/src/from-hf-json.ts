// Build a Tokenizer from a Hugging Face `tokenizer.json` (model type BPE). Byte-level BPE
// (GPT-2, Llama 3, Qwen2 …) maps onto the gpt2 model; SentencePiece-style BPE with
// byte_fallback (Llama 2 …) onto the llama model, with scores derived from merge order.

import { BpeTextModel } from "./bpe-model.js";
import { mergesFromList } from "./merge-rules.js";
import { TokenizerError } from "./errors.js";
import { guessEot } from "./from-gguf.js";
import { HF_SPLIT_PATTERNS, preTokenizerSpec, type PreTokenizerSpec } from "./pretokenize.js";
import { SpmTextModel } from "./spm-model.js";
import { TokenizerImpl } from "./tokenizer.js";
import { TokenType, type Tokenizer } from "./types.js";
import { Vocab } from "./vocab.js";

export interface HFJsonOptions {
  /** Text of the BOS / EOS tokens (tokenizer.json does not record them). Default: guessed
   *  from the post-processor template and common names. */
  bos?: string;
  eos?: string;
  addBos?: boolean;
}

interface HFAddedToken { id: number; content: string; special?: boolean }
type Json = Record<string, unknown>;

// The Python/Rust regex sources found in tokenizer.json files, mapped to our pre-tokenizers.
const KNOWN_SPLITS: Record<string, string> = Object.fromEntries(Object.entries(HF_SPLIT_PATTERNS).map(([k, v]) => [v, k]));

function fail(code: "MISSING_KEY" | "BAD_VALUE" | "UNKNOWN_MODEL" | "UNKNOWN_PRE_TOKENIZER", msg: string, key: string): never {
  throw new TokenizerError(code, `tokenizer.json: ${msg}`, key);
}

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Flatten Sequence nodes of a normalizer / pre_tokenizer into a list of leaf nodes. */
function leaves(node: unknown, listKey: string): Json[] {
  if (!isObj(node)) return [];
  if (node.type === "Sequence" && Array.isArray(node[listKey])) return (node[listKey] as unknown[]).flatMap((n) => leaves(n, listKey));
  return [node];
}

function byteLevelSpec(json: Json, ignoreMerges: boolean): { name: string; spec: PreTokenizerSpec } {
  let name: string | undefined;
  for (const p of leaves(json.pre_tokenizer, "pretokenizers")) {
    if (p.type === "Split") {
      const pat = isObj(p.pattern) ? p.pattern.Regex ?? p.pattern.String : undefined;
      if (typeof pat !== "string") fail("BAD_VALUE", "Split pre-tokenizer without a pattern", "pre_tokenizer");
      name = KNOWN_SPLITS[pat];
      if (name === undefined) fail("UNKNOWN_PRE_TOKENIZER", `unsupported Split pattern ${JSON.stringify(pat)}`, "pre_tokenizer");
    } else if (p.type === "ByteLevel") {
      if (p.add_prefix_space === true) fail("UNKNOWN_PRE_TOKENIZER", "ByteLevel with add_prefix_space=true is not supported", "pre_tokenizer");
      if (p.use_regex !== false && name === undefined) name = "gpt-2";
    } else {
      fail("UNKNOWN_PRE_TOKENIZER", `unsupported pre-tokenizer type '${String(p.type)}'`, "pre_tokenizer");
    }
  }
  if (name === undefined) fail("UNKNOWN_PRE_TOKENIZER", "no byte-level split pattern found", "pre_tokenizer");
  const nfc = leaves(json.normalizer, "normalizers").some((n) => n.type === "NFC");
  const base = preTokenizerSpec(name);
  return { name, spec: { regexes: base.regexes, scan: base.scan, ignoreMerges, normalize: nfc ? "NFC" : undefined } };
}

/** SentencePiece-style tokenizer.json: spaces become ▁ (Metaspace or Replace normalizer). */
function isSentencePieceStyle(json: Json, model: Json): boolean {
  if (model.byte_fallback === true) return true;
  const norms = leaves(json.normalizer, "normalizers");
  return norms.some((n) => n.type === "Replace" && n.content === "\u2581")
    || leaves(json.pre_tokenizer, "pretokenizers").some((p) => p.type === "Metaspace");
}

/** Build a tokenizer from a parsed tokenizer.json object (or its text). */
export function tokenizerFromHFJson(input: string | object, options: HFJsonOptions = {}): Tokenizer {
  let json: unknown = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (e) {
      fail("BAD_VALUE", `not valid JSON (${(e as Error).message})`, "json");
    }
  }
  if (!isObj(json)) fail("BAD_VALUE", "top level is not an object", "json");
  const model = json.model;
  if (!isObj(model)) fail("MISSING_KEY", "no 'model' object", "model");
  if (model.type !== undefined && model.type !== "BPE") {
    fail("UNKNOWN_MODEL", `unsupported model.type '${String(model.type)}' (supported: BPE)`, "model.type");
  }
  if (!isObj(model.vocab)) fail("MISSING_KEY", "no model.vocab object", "model.vocab");
  if (!Array.isArray(model.merges)) fail("MISSING_KEY", "no model.merges array", "model.merges");
  const merges = model.merges as (string | [string, string])[];
  const added = (Array.isArray(json.added_tokens) ? json.added_tokens : []) as HFAddedToken[];

  // Pieces by id: the model vocab plus added tokens.
  const entries: [string, number][] = Object.entries(model.vocab as Record<string, number>);
  for (const t of added) entries.push([t.content, t.id]);
  let size = 0;
  for (const [piece, id] of entries) {
    if (!Number.isInteger(id) || id < 0) fail("BAD_VALUE", `token ${JSON.stringify(piece)} has invalid id ${id}`, "model.vocab");
    size = Math.max(size, id + 1);
  }
  const pieces = new Array<string>(size);
  const types = new Uint8Array(size).fill(TokenType.UNUSED);
  for (const [piece, id] of Object.entries(model.vocab as Record<string, number>)) {
    pieces[id] = piece;
    types[id] = /^<0x[0-9A-F]{2}>$/.test(piece) && model.byte_fallback === true ? TokenType.BYTE : TokenType.NORMAL;
  }
  for (const t of added) {
    pieces[t.id] = t.content;
    types[t.id] = t.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
  }
  for (let i = 0; i < size; i++) if (pieces[i] === undefined) pieces[i] = `<|unused_id_${i}|>`;
  const unkPiece = typeof model.unk_token === "string" ? model.unk_token : undefined;
  const idOf = (s: string | undefined): number => (s === undefined ? -1 : pieces.indexOf(s));
  if (unkPiece !== undefined && idOf(unkPiece) >= 0) types[idOf(unkPiece)] = TokenType.UNKNOWN;

  // BOS: the first special token of the post-processor's single-sequence template.
  let templateBos: string | undefined;
  const pp = json.post_processor;
  for (const node of leaves(pp, "processors")) {
    const single = node.single;
    if (Array.isArray(single) && isObj(single[0]) && isObj(single[0].SpecialToken)) templateBos = String(single[0].SpecialToken.id);
  }
  // Guesses consider added tokens only: a plain vocab piece "<s>" is not a BOS.
  const addedIds = new Map(added.map((t) => [t.content, t.id]));
  const firstOf = (...names: string[]): number => names.map((n) => addedIds.get(n) ?? -1).find((i) => i >= 0) ?? -1;
  const bos = options.bos !== undefined ? idOf(options.bos) : templateBos !== undefined ? idOf(templateBos) : firstOf("<|begin_of_text|>", "<s>", "<|endoftext|>");
  const eos = options.eos !== undefined ? idOf(options.eos) : firstOf("<|end_of_text|>", "</s>", "<|endoftext|>", "<|im_end|>");
  const addBos = options.addBos ?? templateBos !== undefined;
  const special = { bos, eos, unk: idOf(unkPiece), pad: -1, eot: guessEot((s) => { const i = idOf(s); return i < 0 ? undefined : i; }) };

  if (isSentencePieceStyle(json, model)) {
    // SentencePiece picks the pair whose merged piece scores highest; merge order is that score.
    const scores = new Float32Array(size).fill(-1e30);
    const tmp = new Vocab(pieces, types, scores, special);
    for (let r = merges.length - 1; r >= 0; r--) {
      const m = merges[r]!;
      const merged = typeof m === "string" ? m.replace(" ", "") : m[0] + m[1];
      const id = tmp.idOf(merged);
      if (id !== undefined) scores[id] = -r;
    }
    return new TokenizerImpl({
      model: "llama", preTokenizer: "default", vocab: tmp,
      textModel: new SpmTextModel(tmp, true), addBos, addEos: false,
    });
  }
  const vocab = new Vocab(pieces, types, new Float32Array(0), special);
  const { name, spec } = byteLevelSpec(json, model.ignore_merges === true);
  return new TokenizerImpl({
    model: "gpt2", preTokenizer: name, vocab,
    textModel: new BpeTextModel(vocab, mergesFromList(vocab, merges, "model.merges"), spec),
    addBos, addEos: false,
  });
}


