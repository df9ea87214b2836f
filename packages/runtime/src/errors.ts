// Typed errors of the runtime. Every failure a caller can act on has its own class and a
// stable `code`, so callers (CLI, server) can branch without parsing messages.

export class RyzenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type ModelLoadErrorCode =
  | "UNSUPPORTED_ARCHITECTURE"
  | "MISSING_METADATA"
  | "BAD_METADATA"
  | "MISSING_TENSOR"
  | "BAD_SHAPE"
  | "UNSUPPORTED_TYPE"
  | "BAD_OPTION"
  | "OUT_OF_MEMORY"
  | "ABORTED";

/** The model file cannot be turned into a runnable model. `key`/`tensor` name the culprit. */
export class ModelLoadError extends RyzenError {
  constructor(
    code: ModelLoadErrorCode,
    message: string,
    readonly detail: { key?: string; tensor?: string; architecture?: string } = {},
  ) {
    super(code, message);
  }
}

/** A sequence needs more positions than its context holds and shifting is off. */
export class ContextOverflowError extends RyzenError {
  constructor(
    message: string,
    readonly needed: number,
    readonly contextLength: number,
  ) {
    super("CONTEXT_OVERFLOW", message);
  }
}

/** The scheduler's queue is full: retry later. */
export class BusyError extends RyzenError {
  constructor(message: string) {
    super("BUSY", message);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortError extends RyzenError {
  constructor(message = "the operation was aborted") {
    super("ABORTED", message);
  }
}

/** The model was used after dispose(). */
export class DisposedError extends RyzenError {
  constructor(message = "the model has been disposed") {
    super("DISPOSED", message);
  }
}

/** A generate()/evaluate() option is out of range or of the wrong type. */
export class InvalidOptionError extends RyzenError {
  constructor(message: string) {
    super("INVALID_OPTION", message);
  }
}
