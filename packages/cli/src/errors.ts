// Errors the CLI reports itself, and the one-line formatting every failure goes through.

/** Bad command line: wrong/missing flags or positionals. Exit code 2, with a hint to use --help. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = 2;
}

/** A failure with a message meant for the user as-is (file missing, download failed, ...). Exit code 1. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory, expected a file",
  ENOTDIR: "not a directory",
  ENOSPC: "no space left on device",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available",
};

/** One line, no stack: "<message>" plus the error's code when it has one that adds information. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).split("\n")[0] ?? "unknown error";
  const e = err as Error & { code?: unknown; path?: unknown; syscall?: unknown; address?: unknown; port?: unknown };
  let message: string;
  if (typeof e.code === "string" && SYSTEM_ERRORS[e.code]) {
    const target = typeof e.path === "string" ? e.path : e.address !== undefined ? `${e.address}:${e.port}` : "";
    message = `${SYSTEM_ERRORS[e.code]}${target ? `: ${target}` : ""}`;
  } else {
    message = e.message || e.name;
    const generic = e instanceof UsageError || e instanceof CliError;
    if (!generic && typeof e.code === "string" && !message.includes(e.code)) message += ` [${e.code}]`;
  }
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** An AbortSignal-triggered failure: fetch's AbortError or the runtime's AbortError (code ABORTED). */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || (err as { code?: unknown }).code === "ABORTED");
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof CliError) return err.exitCode;
  if (isAbortError(err)) return 130;
  return 1;
}
