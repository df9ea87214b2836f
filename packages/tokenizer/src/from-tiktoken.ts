// Build a byte-level BPE Tokenizer from a tiktoken rank file (`base64(token bytes) rank` per
// line), e.g. the `tokenizer.model` that BitNet b1.58 2B4T ships for its Llama 3 vocab.

import { BpeTextModel } from "./bpe-model.js";
import { mergesFromRanks } from "./merge-rules.js";
import { BYTE_TO_CHAR } from "./byte-level.js";
import { TokenizerError } from "./errors.js";
import { guessEot } from "./from-gguf.js";
import { preTokenizerSpec, type PreTokenizerSpec } from "./pretokenize.js";
import { TokenizerImpl } from "./tokenizer.js";
import { TokenType, type Tokenizer } from "./types.js";
import { Vocab } from "./vocab.js";

export interface TiktokenOptions {
  /** Special token text → id. Default: the 256 Llama 3 specials (128000..128255) when the file
   *  has exactly 128000 ranks, otherwise none. */
  specialTokens?: Record<string, number>;
  /** Pre-tokenizer name ("llama-bpe", "gpt-2", "qwen2", …) or a JavaScript regex source
   *  (compiled with the `u` flag). Default "llama-bpe". */
  pattern?: string;
  /** Text of the BOS / EOS tokens. Default: `<|begin_of_text|>`/`<|end_of_text|>`, else `<|endoftext|>`. */
  bos?: string;
  eos?: string;
  /** Add BOS by default. Default: true when a BOS token exists. */
  addBos?: boolean;
}

/** Llama 3's special tokens, as listed in Meta's / Microsoft BitNet's tokenizer.py. */
export function llama3SpecialTokens(base = 128000): Record<string, number> {
  const names = [
    "<|begin_of_text|>", "<|end_of_text|>",
    "<|reserved_special_token_0|>", "<|reserved_special_token_1|>", "<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
    "<|start_header_id|>", "<|end_header_id|>", "<|reserved_special_token_4|>", "<|eot_id|>",
  ];
  for (let i = 5; i < 256 - 5; i++) names.push(`<|reserved_special_token_${i}|>`);
  return Object.fromEntries(names.map((n, i) => [n, base + i]));
}

function parseRanks(text: string): Map<number, string> {
  const byRank = new Map<number, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const m = /^([A-Za-z0-9+/=]+) (\d+)$/.exec(line);
    if (!m) throw new TokenizerError("BAD_VALUE", `tiktoken rank file line ${i + 1} is not 'base64 rank': ${JSON.stringify(line.slice(0, 60))}`, `line ${i + 1}`);
    let binary: string;
    try {
      binary = atob(m[1]!);
    } catch {
      throw new TokenizerError("BAD_VALUE", `tiktoken rank file line ${i + 1}: invalid base64`, `line ${i + 1}`);
    }
    let piece = "";
    for (let k = 0; k < binary.length; k++) piece += BYTE_TO_CHAR[binary.charCodeAt(k)];
    const rank = Number(m[2]);
    if (byRank.has(rank)) throw new TokenizerError("BAD_VALUE", `tiktoken rank file: rank ${rank} appears twice (line ${i + 1})`, `line ${i + 1}`);
    byRank.set(rank, piece);
  }
  return byRank;
}

function resolvePattern(pattern: string): PreTokenizerSpec {
  let spec: PreTokenizerSpec;
  try {
    spec = preTokenizerSpec(pattern);
  } catch (e) {
    try {
      new RegExp(pattern, "gu");
    } catch {
      throw e; // neither a known name nor a valid regex: report the unknown name
    }
    spec = { regexes: [pattern], ignoreMerges: true };
  }
  // tiktoken looks a whole piece up before running BPE, whatever the pattern.
  return { regexes: spec.regexes, scan: spec.scan, ignoreMerges: true };
}

/** Build a tokenizer from the text of a tiktoken rank file. */
export function tokenizerFromTiktoken(text: string, options: TiktokenOptions = {}): Tokenizer {
  const byRank = parseRanks(text);
  if (byRank.size === 0) throw new TokenizerError("MISSING_KEY", "tiktoken rank file has no ranks", "ranks");
  const specials = options.specialTokens ?? (byRank.size === 128000 ? llama3SpecialTokens() : {});
  let size = 0;
  for (const r of byRank.keys()) size = Math.max(size, r + 1);
  for (const id of Object.values(specials)) {
    if (!Number.isInteger(id) || id < 0) throw new TokenizerError("ID_OUT_OF_RANGE", `special token id ${id} is invalid`, String(id));
    if (byRank.has(id)) throw new TokenizerError("BAD_VALUE", `special token id ${id} collides with a rank in the file`, String(id));
    size = Math.max(size, id + 1);
  }
  const pieces = new Array<string>(size);
  const types = new Uint8Array(size).fill(TokenType.UNUSED);
  const rankPieces: string[] = [];
  const ranks: number[] = [];
  for (const [rank, piece] of byRank) {
    pieces[rank] = piece;
    types[rank] = TokenType.NORMAL;
    rankPieces.push(piece);
    ranks.push(rank);
  }
  for (const [piece, id] of Object.entries(specials)) {
    pieces[id] = piece;
    types[id] = TokenType.CONTROL;
  }
  for (let i = 0; i < size; i++) if (pieces[i] === undefined) pieces[i] = `<|unused_rank_${i}|>`; // gaps

  const find = (s: string | undefined): number => (s !== undefined && specials[s] !== undefined ? specials[s]! : -1);
  const bos = options.bos !== undefined ? find(options.bos) : Math.max(find("<|begin_of_text|>"), find("<|endoftext|>"));
  const eos = options.eos !== undefined ? find(options.eos) : Math.max(find("<|end_of_text|>"), find("<|endoftext|>"));
  const vocab = new Vocab(pieces, types, new Float32Array(0), {
    bos, eos, unk: -1, pad: -1, eot: guessEot((s) => specials[s]),
  });
  const spec = resolvePattern(options.pattern ?? "llama-bpe");
  return new TokenizerImpl({
    model: "gpt2", preTokenizer: options.pattern ?? "llama-bpe", vocab,
    textModel: new BpeTextModel(vocab, mergesFromRanks(vocab, rankPieces, ranks), spec),
    addBos: options.addBos ?? bos >= 0,
    addEos: false,
  });
}
