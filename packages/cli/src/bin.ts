#!/usr/bin/env node
// The `ryzen` executable.
import { describeError } from "./errors.js";
import { main } from "./main.js";

// Last line of defence: anything escaping a command still ends as one line, not a stack dump.
const verbose = process.argv.includes("--verbose");
const fatal = (err: unknown) => {
  process.stderr.write(`ryzen: ${describeError(err)}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
};
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);
// The reader went away (`ryzen run ... | head`): stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" ? process.exit(0) : fatal(err)));
}

const code = await main(process.argv.slice(2));
// Let stdout drain, then exit even if a native thread pool or server keeps the loop alive.
process.stdout.write("", () => process.exit(code));
