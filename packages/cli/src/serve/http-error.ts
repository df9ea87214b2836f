// OpenAI-style error bodies: { error: { message, type, param, code } }.

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 for a bad request field. */
export function invalidParam(param: string, message: string, code: string | null = "invalid_value"): HttpError {
  return new HttpError(400, message, "invalid_request_error", param, code);
}
