// ryzen perplexity: perplexity of a text file, comparable with llama.cpp's llama-perplexity.
import { readFile } from "node:fs/promises";
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { CliError } from "../errors.js";
import { round } from "../format.js";
import { withInterrupt } from "../interrupt.js";
import { loadModelFromArg, THREADS_OPTION } from "../load-model.js";
import { perplexityWindows, windowNll, windowTokens } from "../perplexity-windows.js";
import { createProgress } from "../progress.js";

const spec: CommandSpec = {
  name: "perplexity",
  summary: "perplexity of a text file over non-overlapping windows (llama-perplexity's method)",
  positionals: [{ name: "model", description: "GGUF file, hf:owner/repo/file.gguf or https URL" }],
  options: {
    file: { kind: "string", short: "f", required: true, valueName: "PATH", description: "UTF-8 text file to score" },
    ctx: { kind: "int", min: 4, default: 512, valueName: "N", description: "window length in tokens; the text needs at least 2×N tokens" },
    threads: THREADS_OPTION,
    json: { kind: "boolean", description: 'print { "perplexity", "tokens", "windows", "ctx" }' },
  },
  epilog: [
    "The text is tokenized once (with BOS if the vocabulary adds one) and cut into floor(n/ctx) windows;",
    "each is evaluated from an empty context with BOS as its first token, and the second half of each",
    "window is scored. `tokens` is the number of scored tokens.",
  ].join("\n"),
};

const command: Command = {
  spec,
  async run(args, io) {
    const ctx = args.num("ctx") as number;
    const file = args.str("file") as string;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return withInterrupt(async (signal) => {
      const { model } = await loadModelFromArg(args.positional(0), io, { threads: args.num("threads"), contextLength: ctx, signal });
      try {
        // As llama.cpp: BOS at the start and at each window's start iff the vocabulary adds it.
        const addsBos = model.tokenizer.addBosDefault && model.tokenizer.bos >= 0;
        const bosId = model.tokenizer.bos;
        const tokens = model.tokenize(text, { addBos: addsBos });
        const windows = perplexityWindows(tokens.length, ctx);
        if (tokens.length < 2 * ctx) {
          throw new CliError(`${file} has ${tokens.length} tokens; perplexity with --ctx ${ctx} needs at least ${2 * ctx}`);
        }
        const vocab = model.info.vocabSize;
        const bar = createProgress(io.stderr, "perplexity");
        let nll = 0;
        let count = 0;
        try {
          for (const [i, w] of windows.entries()) {
            if (signal.aborted) throw new CliError("interrupted", 130);
            const logits = await model.evaluate(windowTokens(tokens, w, ctx, addsBos ? bosId : null), { allLogits: true });
            nll += windowNll(logits, vocab, tokens, w, ctx);
            count += w.count;
            bar.update(i + 1, windows.length, `ppl ${Math.exp(nll / count).toFixed(4)}`);
          }
        } finally {
          bar.finish();
        }
        const ppl = Math.exp(nll / count);
        if (args.bool("json")) {
          io.stdout.write(`${JSON.stringify({ perplexity: ppl, tokens: count, windows: windows.length, ctx })}\n`);
        } else {
          io.stdout.write(`perplexity ${round(ppl, 4)} over ${count} scored tokens (${windows.length} windows of ${ctx})\n`);
        }
      } finally {
        model.dispose();
      }
    });
  },
};
export default command;
