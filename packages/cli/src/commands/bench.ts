// ryzen bench: prompt-processing and generation speed of one model, like llama-bench.
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { benchModel, type BenchReport } from "../bench-model.js";
import { formatBytes } from "../format.js";
import { resolveModelPath } from "../model-source.js";

const spec: CommandSpec = {
  name: "bench",
  summary: "prompt-processing and generation tok/s (median and spread) and peak RSS, like llama-bench",
  positionals: [{ name: "model", description: "GGUF file, hf:owner/repo/file.gguf or https URL" }],
  options: {
    "prompt-tokens": { kind: "int", min: 1, default: 128, description: "prompt length for the pp test" },
    "gen-tokens": { kind: "int", min: 1, default: 64, description: "tokens generated in the tg test" },
    threads: { kind: "int", short: "t", min: 1, max: 1024, valueName: "N", description: "worker threads (default: physical cores)" },
    repetitions: { kind: "int", short: "r", min: 1, default: 5, valueName: "R", description: "runs per test" },
    json: { kind: "boolean", description: 'print { "pp_tokens_per_s", "tg_tokens_per_s", "peak_rss_mb", ... }' },
  },
  epilog: "Example:\n  ryzen bench model.gguf --prompt-tokens 128 --gen-tokens 64 -t 2 -r 5",
};

function formatReport(r: BenchReport): string {
  const spread = (s: { min: number; max: number }) => `${s.min.toFixed(2)}–${s.max.toFixed(2)}`;
  return [
    `model    ${r.model} (${formatBytes(r.model_bytes)})`,
    `cpu      ${r.cpu} · isa ${r.isa}${r.amx ? " + AMX" : ""} · ${r.threads} threads`,
    `pp${String(r.prompt_tokens).padEnd(6)} ${r.pp_tokens_per_s.toFixed(2).padStart(10)} tok/s   (${spread(r.pp_spread)}, ${r.repetitions} runs)`,
    `tg${String(r.gen_tokens).padEnd(6)} ${r.tg_tokens_per_s.toFixed(2).padStart(10)} tok/s   (${spread(r.tg_spread)}, ${r.repetitions} runs)`,
    `peak RSS ${r.peak_rss_mb.toFixed(1)} MB`,
    ...r.notes.map((n) => `note     ${n}`),
  ].join("\n") + "\n";
}

const command: Command = {
  spec,
  async run(args, io) {
    const path = await resolveModelPath(args.positional(0), io);
    const report = await benchModel(path, {
      promptTokens: args.num("prompt-tokens") as number,
      genTokens: args.num("gen-tokens") as number,
      threads: args.num("threads"),
      repetitions: args.num("repetitions") as number,
    }, io);
    io.stdout.write(args.bool("json") ? `${JSON.stringify(report)}\n` : formatReport(report));
  },
};
export default command;
