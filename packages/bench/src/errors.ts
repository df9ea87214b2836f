/** Every failure the benchmark reports on purpose carries a code naming the problem. */
export type BenchErrorCode =
  | "UNKNOWN_MODEL"
  | "UNKNOWN_WEIGHT_TYPE"
  | "BAD_OPTION"
  | "DEPENDENCY_MISSING"
  | "PEER_FAILED"
  | "WORKER_FAILED"
  | "BAD_OUTPUT";

export class BenchError extends Error {
  readonly code: BenchErrorCode;
  constructor(code: BenchErrorCode, message: string) {
    super(message);
    this.name = "BenchError";
    this.code = code;
  }
}
