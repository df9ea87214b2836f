import { Rng } from "../rng.js";

/**
 * A synthetic byte-level BPE vocabulary of an exact size, for GGUF tokenizer metadata.
 * Tokens 0..255 are the 256 GPT-2 byte symbols; then seeded merges of two existing tokens
 * (each merge listed, so every engine's BPE loader accepts it); the last two ids are BOS/EOS.
 */
export interface SyntheticVocab {
  tokens: string[];
  tokenTypes: number[]; // 1 normal, 3 control (GGUF llama_token_type)
  merges: string[];
  bos: number;
  eos: number;
}

const MAX_TOKEN_CHARS = 16;

/** GPT-2's byte -> printable unicode mapping (so no token contains a raw space or control byte). */
export function byteSymbols(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const isPrintable = new Set(printable);
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(isPrintable.has(b) ? b : 256 + extra++);
  return out;
}

export function syntheticVocab(size: number, seed: number): SyntheticVocab {
  if (!Number.isInteger(size) || size < 260) throw new RangeError(`vocabulary size must be an integer >= 260, got ${size}`);
  const rng = new Rng(seed ^ 0x5eed);
  const tokens = byteSymbols();
  const seen = new Set(tokens);
  const merges: string[] = [];
  const target = size - 2;
  // Bias picks towards recent (longer) tokens a little, like a real merge table, but cap the length.
  while (tokens.length < target) {
    const a = tokens[rng.int(tokens.length)];
    const b = tokens[rng.float() < 0.5 ? rng.int(256) : rng.int(tokens.length)];
    const merged = a + b;
    if ([...merged].length > MAX_TOKEN_CHARS || seen.has(merged)) continue;
    seen.add(merged);
    tokens.push(merged);
    merges.push(`${a} ${b}`);
  }
  const bos = tokens.length;
  tokens.push("<|begin_of_text|>");
  const eos = tokens.length;
  tokens.push("<|end_of_text|>");
  const tokenTypes = tokens.map((_, i) => (i === bos || i === eos ? 3 : 1));
  return { tokens, tokenTypes, merges, bos, eos };
}
