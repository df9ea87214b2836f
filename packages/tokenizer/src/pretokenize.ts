// Pre-tokenizers for byte-level BPE: split text into pieces that BPE then encodes one by one.
// Each is a sequence of regexes (llama.cpp's unicode_regex_split): every regex splits every
// current piece into its matches plus the unmatched gaps between them.
// `\s` is written as \p{White_Space}: that is what Oniguruma/`regex` mean by `\s` in Unicode
// mode (it includes U+0085 and excludes U+FEFF, unlike JavaScript's `\s`).

import { TokenizerError } from "./errors.js";
import { scanGpt2, scanLlama3, type PieceSink } from "./scanner.js";

const WS = "\\p{White_Space}";
const NOT_WS = "\\P{White_Space}";
const LNW = `[^${WS}\\p{L}\\p{N}]`;
// (?i:'s|'t|'re|'ve|'m|'ll|'d) without inline flags (not in Node 20's regex engine)
const CONTRACTIONS_CI = "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])";

const GPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?${LNW}+|${WS}+(?!${NOT_WS})|${WS}+`;
const LLAMA3 = llama3Like("\\p{N}{1,3}");
const QWEN2 = llama3Like("\\p{N}");

function llama3Like(digits: string): string {
  return `${CONTRACTIONS_CI}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|${digits}| ?${LNW}+[\\r\\n]*|${WS}*[\\r\\n]+|${WS}+(?!${NOT_WS})|${WS}+`;
}

// llama.cpp's fallback for BPE vocabs without a known pre-tokenizer.
const DEFAULT = [
  "[\\p{P}\\$\\+<=>\\^~\\|]+",
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?${LNW}+|${WS}+(?!${NOT_WS})`,
  "\\p{N}+",
  "[0-9][0-9][0-9]",
];

export interface PreTokenizerSpec {
  regexes: string[];
  /** Pre-tokens that are whole vocab entries skip BPE (Llama 3's ignore_merges). */
  ignoreMerges: boolean;
  /** Unicode normalization applied before splitting (Qwen2's tokenizer.json uses NFC). */
  normalize?: "NFC";
  /** A hand-written splitter equivalent to `regexes` (faster); the regexes stay the definition. */
  scan?: (text: string, emit: PieceSink) => void;
}

const gpt2Spec: PreTokenizerSpec = { regexes: [GPT2], ignoreMerges: false, scan: scanGpt2 };
const llama3Scan = (t: string, emit: PieceSink): void => scanLlama3(t, 3, emit);
const qwen2Scan = (t: string, emit: PieceSink): void => scanLlama3(t, 1, emit);
const qwen2Spec: PreTokenizerSpec = { regexes: [QWEN2], ignoreMerges: false, normalize: "NFC", scan: qwen2Scan };

const SPECS: Record<string, PreTokenizerSpec> = {
  default: { regexes: DEFAULT, ignoreMerges: false },
  "gpt-2": gpt2Spec,
  "llama-bpe": { regexes: [LLAMA3], ignoreMerges: true, scan: llama3Scan },
  qwen2: qwen2Spec,
  // llama.cpp: the Llama 3 split without ignore_merges
  dbrx: { regexes: [LLAMA3], ignoreMerges: false, scan: llama3Scan },
  // llama.cpp: the Qwen2 split; its own tokenizer.json has no NFC normalizer
  stablelm2: { regexes: [QWEN2], ignoreMerges: false, scan: qwen2Scan },
};
// Other tokenizer.ggml.pre names that llama.cpp maps to the same behaviour.
const ALIASES: Record<string, string> = {
  llama3: "llama-bpe", "llama-v3": "llama-bpe",
  "smaug-bpe": "dbrx",
  "deepseek-r1-qwen": "qwen2",
  "phi-2": "gpt-2", mpt: "gpt-2", olmo: "gpt-2", jais: "gpt-2", gigachat: "gpt-2",
  "jina-es": "gpt-2", "jina-de": "gpt-2", "jina-v2-es": "gpt-2", "jina-v2-de": "gpt-2",
};

export const PRE_TOKENIZER_NAMES: readonly string[] = [...Object.keys(SPECS), ...Object.keys(ALIASES)];

export function preTokenizerSpec(name: string): PreTokenizerSpec {
  const spec = SPECS[ALIASES[name] ?? name];
  if (spec === undefined) {
    throw new TokenizerError(
      "UNKNOWN_PRE_TOKENIZER",
      `unsupported pre-tokenizer tokenizer.ggml.pre = '${name}' (supported: ${PRE_TOKENIZER_NAMES.join(", ")})`,
      "tokenizer.ggml.pre",
    );
  }
  return spec;
}

/** The same patterns as written (Python/Rust syntax) in Hugging Face tokenizer.json files. */
export const HF_SPLIT_PATTERNS: Record<string, string> = {
  "llama-bpe": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "gpt-2": "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
};

/** The GPT-2 and Llama 3 split patterns, exported for tests and external loaders. */
export const PATTERNS = { gpt2: GPT2, llama3: LLAMA3, qwen2: QWEN2 } as const;

export class PreTokenizer {
  private readonly regexes: RegExp[];
  private readonly scan?: (text: string, emit: PieceSink) => void;
  private readonly normalize?: "NFC";

  /** `useScanner: false` forces the regex definition (tests compare the two). */
  constructor(spec: PreTokenizerSpec, useScanner = true) {
    this.regexes = spec.regexes.map((p) => new RegExp(p, "gu"));
    this.scan = useScanner ? spec.scan : undefined;
    this.normalize = spec.normalize;
  }

  /** Call `fn` for each piece of `text`, in order. */
  forEach(text: string, fn: (piece: string) => void): void {
    this.forEachRange(text, (s, start, end) => fn(s.slice(start, end)));
  }

  /** Call `fn` for each piece, in order, as a range of a string (`text` itself, or for
   *  multi-regex pre-tokenizers a substring of it). */
  forEachRange(text: string, fn: PieceSink): void {
    if (this.normalize) text = text.normalize(this.normalize);
    if (this.scan) this.scan(text, fn);
    else this.splitFrom(0, text, fn);
  }

  private splitFrom(level: number, text: string, fn: PieceSink): void {
    if (level === this.regexes.length) {
      fn(text, 0, text.length);
      return;
    }
    const re = this.regexes[level]!;
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const end = m.index + m[0].length;
      if (end === m.index) { re.lastIndex++; continue; } // no pattern here matches empty; be safe
      if (m.index > last) this.splitFrom(level + 1, text.slice(last, m.index), fn);
      this.splitFrom(level + 1, m[0], fn);
      last = end;
    }
    if (last < text.length) this.splitFrom(level + 1, text.slice(last), fn);
  }
}
