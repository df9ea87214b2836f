export type KernelErrorCode =
  | "INVALID_ARGUMENT"
  | "SHAPE_MISMATCH"
  | "UNKNOWN_TYPE"
  | "DISPOSED"
  | "OUT_OF_MEMORY"
  | "IO"
  | "NATIVE_LOAD";

/** Every failure of the kernels package (native or loading) surfaces as a KernelError. */
export class KernelError extends Error {
  readonly code: KernelErrorCode;

  constructor(code: KernelErrorCode, message: string) {
    super(message);
    this.name = "KernelError";
    this.code = code;
  }
}
