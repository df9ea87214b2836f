// Public types of @ryzen/tokenizer.

/** Token types as stored in `tokenizer.ggml.token_type` (llama.cpp's llama_token_type). */
export enum TokenType {
  UNDEFINED = 0,
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

export type TokenizerModel = "llama" | "gpt2";

export interface EncodeOptions {
  /** Prepend BOS. Default: the vocab's `add_bos_token` (`addBosDefault`). */
  addBos?: boolean;
  /** Append EOS. Default: the vocab's `add_eos_token`. */
  addEos?: boolean;
  /** Turn the text of control/unknown tokens (e.g. `<|eot_id|>`, `<s>`) into their ids.
   *  Default false: such text is tokenized as ordinary text. User-defined tokens
   *  (type 4, e.g. Qwen's `<think>`) are always matched, as llama.cpp and Hugging Face do. */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Drop control, unknown and unused tokens (BOS, EOS, `<|eot_id|>` …). Default false: they
   *  are rendered as their piece text. */
  skipSpecial?: boolean;
  /** SentencePiece only: remove the single leading space that encoding's space prefix
   *  introduced. Default true for `llama`, ignored for `gpt2`. */
  stripLeadingSpace?: boolean;
}

export interface StreamDecoderOptions {
  /** Drop control/unknown/unused tokens. Default true (generation output). */
  skipSpecial?: boolean;
  /** SentencePiece only: drop the leading space of the first emitted text. Default false. */
  stripLeadingSpace?: boolean;
}

/** Incremental detokenizer for token-by-token generation. `push` returns only text made of
 *  complete UTF-8 characters; an incomplete multi-byte sequence is held back until the next
 *  token completes it. Invalid bytes become U+FFFD. Never throws for any id in range. */
export interface StreamDecoder {
  /** Feed one token id; returns the newly completed text (possibly ""). */
  push(id: number): string;
  /** End of stream: returns whatever is held back (an incomplete sequence becomes U+FFFD). */
  flush(): string;
  /** Forget held-back bytes and start over. */
  reset(): void;
}

export interface Tokenizer {
  readonly model: TokenizerModel;
  /** Pre-tokenizer name (`tokenizer.ggml.pre`), e.g. "llama-bpe"; "default" for SentencePiece. */
  readonly preTokenizer: string;
  readonly vocabSize: number;
  /** Special ids; -1 when the vocab has none. */
  readonly bos: number;
  readonly eos: number;
  /** End-of-turn id (`<|eot_id|>`, `<|im_end|>`…), or -1. */
  readonly eot: number;
  readonly unk: number;
  readonly pad: number;
  readonly addBosDefault: boolean;
  readonly addEosDefault: boolean;

  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  /** The token's piece exactly as stored in the vocab (e.g. "▁the", "Ġthe", "<0x0A>"). */
  tokenToPiece(id: number): string;
  /** The bytes this token contributes to decoded text (byte-level mapping / `▁` / byte tokens undone). */
  tokenToBytes(id: number): Uint8Array;
  /** Id of a vocab piece (the inverse of tokenToPiece), or undefined. */
  idOf(piece: string): number | undefined;
  tokenType(id: number): TokenType;
  isControl(id: number): boolean;
  /** True for ids that decode(…, { skipSpecial: true }) drops: control, unknown, unused. */
  isSpecial(id: number): boolean;
  /** True if `id` ends generation (eos or eot). */
  isEndOfGeneration(id: number): boolean;
  createStreamDecoder(options?: StreamDecoderOptions): StreamDecoder;
}
