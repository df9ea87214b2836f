// ryzen run: stream a continuation of a prompt to stdout.
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { round } from "../format.js";
import { withInterrupt } from "../interrupt.js";
import { CTX_OPTION, KV_TYPE_OPTION, loadModelFromArg, THREADS_OPTION } from "../load-model.js";
import { samplingFromArgs, samplingOptionSpecs } from "../sampling-options.js";

const spec: CommandSpec = {
  name: "run",
  summary: "generate a continuation of a prompt, streamed to stdout",
  positionals: [{ name: "model", description: "GGUF file, hf:owner/repo/file.gguf or https URL" }],
  options: {
    prompt: { kind: "string", short: "p", required: true, valueName: "TEXT", description: "the prompt to continue" },
    ...samplingOptionSpecs(256, "most tokens to generate"),
    threads: THREADS_OPTION,
    ctx: CTX_OPTION,
    "kv-type": KV_TYPE_OPTION,
    json: { kind: "boolean", description: "print one JSON object at the end instead of streaming text" },
  },
  epilog: [
    "JSON output:",
    '  { "prompt_tokens": [...], "tokens": [...], "text": "...", "finish_reason": "...",',
    '    "timings": { "load_ms", "ttft_ms", "prompt_tokens_per_s", "decode_tokens_per_s" } }',
    "",
    "Example:",
    '  ryzen run model.gguf -p "Once upon a time" -n 64 --temperature 0',
  ].join("\n"),
};

const command: Command = {
  spec,
  async run(args, io) {
    const json = args.bool("json");
    return withInterrupt(async (signal) => {
      const { model, loadMs } = await loadModelFromArg(args.positional(0), io, {
        threads: args.num("threads"),
        contextLength: args.num("ctx"),
        kvType: args.str("kv-type"),
        signal,
      });
      try {
        const generation = model.generate(args.str("prompt") as string, { ...samplingFromArgs(args), signal });
        generation.result.catch(() => {}); // awaited below
        if (!json) for await (const piece of generation) io.stdout.write(piece.text);
        const result = await generation.result;
        const t = result.timings;
        if (json) {
          io.stdout.write(
            `${JSON.stringify({
              prompt_tokens: result.promptTokens,
              tokens: result.tokens,
              text: result.text,
              finish_reason: result.finishReason,
              timings: {
                load_ms: round(loadMs, 1),
                ttft_ms: round(t.ttftMs, 1),
                prompt_tokens_per_s: round(t.promptTokensPerS, 2),
                decode_tokens_per_s: round(t.decodeTokensPerS, 2),
              },
            })}\n`,
          );
        } else {
          io.stdout.write("\n");
          io.stderr.write(
            `\n[${result.promptTokens.length} prompt tokens at ${t.promptTokensPerS.toFixed(1)} tok/s, ` +
              `${result.tokens.length} generated at ${t.decodeTokensPerS.toFixed(1)} tok/s, ` +
              `load ${loadMs.toFixed(0)} ms, ttft ${t.ttftMs.toFixed(0)} ms, stop: ${result.finishReason}]\n`,
          );
        }
        return result.finishReason === "abort" ? 130 : 0;
      } finally {
        model.dispose();
      }
    });
  },
};
export default command;
