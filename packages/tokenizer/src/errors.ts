// Typed errors for everything the tokenizer rejects. Callers branch on `code`, humans read `message`.

export type TokenizerErrorCode =
  | "UNKNOWN_MODEL" // tokenizer.ggml.model (or tokenizer.json model.type) is not supported
  | "UNKNOWN_PRE_TOKENIZER" // tokenizer.ggml.pre names a pre-tokenizer we do not implement
  | "ID_OUT_OF_RANGE" // a token id outside [0, vocabSize)
  | "MISSING_KEY" // a required metadata key / JSON field is absent
  | "BAD_VALUE"; // a key is present but malformed (wrong type, inconsistent lengths, bad line)

export class TokenizerError extends Error {
  override readonly name = "TokenizerError";
  constructor(
    readonly code: TokenizerErrorCode,
    message: string,
    /** The metadata key, JSON field or token id the error is about, when there is one. */
    readonly key?: string,
  ) {
    super(message);
  }
}
