import { RyzenError } from "../errors.js";

export type QuantizeErrorCode = "BAD_OPTION" | "REQUANTIZE" | "BAD_DATA";

/** quantizeModel/quantizeTensor cannot do what was asked; `tensor` names the culprit. */
export class QuantizeError extends RyzenError {
  constructor(
    code: QuantizeErrorCode,
    message: string,
    readonly tensor?: string,
  ) {
    super(code, message);
  }
}
