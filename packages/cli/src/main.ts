// Entry point shared by the bin and the library: dispatches to a command module, prints
// --help, and turns every failure into one line on stderr plus a non-zero exit code.
import { readFileSync } from "node:fs";
import { formatHelp, parseCommand } from "./args.js";
import { processIo, type Command, type Io } from "./command.js";
import { describeError, exitCodeOf, UsageError } from "./errors.js";

interface Entry {
  summary: string;
  load: () => Promise<Command>;
}

// Loaded on demand so each command pulls in only what it needs.
const COMMANDS: Record<string, Entry> = {
  run: { summary: "generate a continuation of a prompt, streamed to stdout", load: async () => (await import("./commands/run.js")).default },
  chat: { summary: "interactive chat using the model's chat template", load: async () => (await import("./commands/chat.js")).default },
  serve: { summary: "OpenAI-compatible HTTP server (chat/completions, completions, models)", load: async () => (await import("./commands/serve.js")).default },
  info: { summary: "architecture, parameters, tensor types and tokenizer of a GGUF file", load: async () => (await import("./commands/info.js")).default },
  tokenize: { summary: "print the token ids of a text (works on vocab-only GGUFs)", load: async () => (await import("./commands/tokenize.js")).default },
  quantize: { summary: "convert a GGUF model to q8_0, q4_0, q6_k, tq1_0, tq2_0 or i2_s", load: async () => (await import("./commands/quantize.js")).default },
  perplexity: { summary: "perplexity of a text file, windowed like llama.cpp's llama-perplexity", load: async () => (await import("./commands/perplexity.js")).default },
  bench: { summary: "prompt-processing and generation speed, like llama-bench", load: async () => (await import("./commands/bench.js")).default },
  pull: { summary: "download a model (hf:owner/repo/file.gguf or https URL) into the cache", load: async () => (await import("./commands/pull.js")).default },
};

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function globalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  const lines = [
    "ryzen — run GGUF language models on the CPU (BitNet b1.58 ternary and llama-family)",
    "",
    "Usage: ryzen <command> [arguments] [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, e]) => `  ${name.padEnd(width)}${e.summary}`),
    "",
    "Every <model> argument also accepts hf:owner/repo/path/file.gguf or an https:// URL (downloaded and cached).",
    "Run `ryzen <command> --help` for a command's options. Global: --help, --version, --verbose.",
    "",
    "Example:",
    '  ryzen run model.gguf -p "Once upon a time" -n 64 --temperature 0',
  ];
  return lines.join("\n") + "\n";
}

/** Run the CLI with the given arguments (without "node bin.js"). Resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const verbose = argv.includes("--verbose");
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const topic = name === "help" ? rest[0] : undefined;
      if (topic && COMMANDS[topic]) {
        io.stdout.write(formatHelp((await COMMANDS[topic].load()).spec));
        return 0;
      }
      io.stdout.write(globalHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-v" || name === "version") {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const entry = COMMANDS[name];
    if (!entry) throw new UsageError(`unknown command "${name}"`);
    const command = await entry.load();
    const args = parseCommand(command.spec, rest);
    if (args.bool("help")) {
      io.stdout.write(formatHelp(command.spec));
      return 0;
    }
    return (await command.run(args, io)) ?? 0;
  } catch (err) {
    const prefix = name && COMMANDS[name] && !(err instanceof UsageError) ? `ryzen ${name}: ` : "ryzen: ";
    io.stderr.write(`${prefix}${describeError(err)}\n`);
    if (err instanceof UsageError) io.stderr.write(`Run \`ryzen ${name && COMMANDS[name] ? `${name} ` : ""}--help\` for usage.\n`);
    if (verbose && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}
