// ryzen quantize: convert a GGUF model's weights to another type.
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { CliError } from "../errors.js";
import { formatBytes, formatDuration } from "../format.js";
import { withInterrupt } from "../interrupt.js";
import { resolveModelPath } from "../model-source.js";
import { createProgress } from "../progress.js";
import { loadRuntime } from "../runtime.js";

const TYPES = ["q8_0", "q4_0", "q6_k", "tq1_0", "tq2_0", "i2_s"] as const;
const OUTPUT_TYPES = ["q6_k", "q8_0", "f16"] as const;

type QuantOptions = import("@ryzen/runtime").QuantizeModelOptions;

const spec: CommandSpec = {
  name: "quantize",
  summary: "convert a GGUF model to q8_0, q4_0, q6_k, tq1_0, tq2_0 or i2_s",
  positionals: [
    { name: "in.gguf", description: "source model (GGUF file, hf: URI or URL)" },
    { name: "out.gguf", description: "file to write" },
  ],
  options: {
    type: { kind: "string", choices: TYPES, required: true, description: "weight type for the matrices" },
    "output-type": { kind: "string", choices: OUTPUT_TYPES, description: "type of the output (lm head) matrix (default: chosen by the quantizer)" },
    json: { kind: "boolean", description: 'print { "in_bytes", "out_bytes" (file sizes), "tensors", "types", "fallbacks", "ms" }' },
  },
  epilog: [
    "Tensors a type cannot hold (e.g. rows not a multiple of its block size) fall back to a",
    "compatible type, as llama-quantize does; the summary counts them.",
    "",
    "Example:",
    "  ryzen quantize model-f32.gguf model-q8_0.gguf --type q8_0",
  ].join("\n"),
};

const command: Command = {
  spec,
  async run(args, io) {
    const input = await resolveModelPath(args.positional(0), io);
    const output = args.positional(1);
    if (resolve(input) === resolve(output)) throw new CliError("<out.gguf> must differ from <in.gguf>");
    const { quantizeModel } = await loadRuntime();
    const outputType = args.str("output-type") as QuantOptions["outputType"];
    const start = performance.now();
    const result = await withInterrupt(async (signal) => {
      const bar = createProgress(io.stderr, "quantizing");
      try {
        return await quantizeModel(input, output, {
          type: args.str("type") as QuantOptions["type"],
          ...(outputType ? { outputType } : {}),
          onProgress: (done: number, total: number, name: string) => bar.update(done, total, name),
          signal,
        });
      } finally {
        bar.finish();
      }
    });
    const ms = performance.now() - start;
    // File sizes (the result's byte counts cover tensor data only).
    const inBytes = (await stat(input)).size;
    const outBytes = (await stat(output)).size;
    const types: Record<string, number> = {};
    for (const t of result.tensors) types[t.to] = (types[t.to] ?? 0) + 1;
    const fallbacks = result.tensors.filter((t) => t.note).length;
    if (args.bool("json")) {
      io.stdout.write(
        `${JSON.stringify({ in_bytes: inBytes, out_bytes: outBytes, tensors: result.tensors.length, types, fallbacks, ms: Math.round(ms) })}\n`,
      );
      return;
    }
    const ratio = inBytes > 0 ? ((outBytes / inBytes) * 100).toFixed(1) : "-";
    const byType = Object.entries(types).map(([t, n]) => `${n} ${t}`).join(", ");
    io.stdout.write(
      `${output}: ${formatBytes(inBytes)} → ${formatBytes(outBytes)} (${ratio}%), ` +
        `${result.tensors.length} tensors (${byType})${fallbacks ? `, ${fallbacks} fell back` : ""}, ${formatDuration(ms)}\n`,
    );
  },
};
export default command;
