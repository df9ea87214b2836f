// What a command module exports, and the streams it writes to (injectable for tests).
import type { CommandSpec, ParsedArgs } from "./args.js";

export interface OutStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface Command {
  spec: CommandSpec;
  /** Resolves to the exit code (undefined = 0). Throws for errors; main() formats them. */
  run(args: ParsedArgs, io: Io): Promise<number | void>;
}

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
