import { GGUFFormatError, type GGUFErrorCode } from "@ryzen/tokenizer";

/** A GGUFFormatError about one entry of the tensor table; `tensor` names it. */
export class GGUFTensorError extends GGUFFormatError {
  constructor(
    code: GGUFErrorCode,
    message: string,
    readonly tensor: string,
  ) {
    super(code, `GGUF tensor '${tensor}': ${message}`);
  }
}

export { GGUFFormatError };
export type { GGUFErrorCode };
