// ryzen quantize: convert a GGUF model's weights to another type.
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { CliError, UsageError } from "../errors.js";
import { formatBytes, formatDuration } from "../format.js";
import { resolveModelPath } from "../model-source.js";
import { createProgress } from "../progress.js";
import { loadRuntime } from "../runtime.js";

// quantizeModel as packages/runtime/API.md specifies it.
interface QuantizeApi {
  quantizeModel(
    inPath: string,
    outPath: string,
    opts: { type: string; outputType?: string; onProgress?: (done: number, total: number, tensorName: string) => void },
  ): Promise<{ inBytes: number; outBytes: number; tensors: number }>;
}

const TYPES = ["q8_0", "q4_0", "q6_k", "tq1_0", "tq2_0", "i2_s"] as const;
const OUTPUT_TYPES = ["q6_k", "q8_0", "f16"] as const;

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
    json: { kind: "boolean", description: 'print { "in_bytes", "out_bytes", "tensors", "ms" }' },
  },
  epilog: "Example:\n  ryzen quantize model-f32.gguf model-q8_0.gguf --type q8_0",
};

const command: Command = {
  spec,
  async run(args, io) {
    const input = await resolveModelPath(args.positional(0), io);
    const output = args.positional(1);
    if (resolve(input) === resolve(output)) throw new UsageError("quantize: <out.gguf> must differ from <in.gguf>");
    const quantizeModel = (await loadRuntime() as Partial<QuantizeApi>).quantizeModel;
    if (!quantizeModel) throw new CliError("this build of @ryzen/runtime has no quantizeModel()");
    const bar = createProgress(io.stderr, "quantizing");
    const start = performance.now();
    let result: { inBytes: number; outBytes: number; tensors: number };
    try {
      result = await quantizeModel(input, output, {
        type: args.str("type") as (typeof TYPES)[number],
        ...(args.str("output-type") ? { outputType: args.str("output-type") as (typeof OUTPUT_TYPES)[number] } : {}),
        onProgress: (done: number, total: number, name: string) => bar.update(done, total, name),
      });
    } finally {
      bar.finish();
    }
    const ms = performance.now() - start;
    const outBytes = result.outBytes ?? (await stat(output)).size;
    if (args.bool("json")) {
      io.stdout.write(`${JSON.stringify({ in_bytes: result.inBytes, out_bytes: outBytes, tensors: result.tensors, ms: Math.round(ms) })}\n`);
    } else {
      const ratio = result.inBytes > 0 ? ((outBytes / result.inBytes) * 100).toFixed(1) : "-";
      io.stdout.write(
        `${output}: ${formatBytes(result.inBytes)} → ${formatBytes(outBytes)} (${ratio}%), ${result.tensors} tensors, ${formatDuration(ms)}\n`,
      );
    }
  },
};
export default command;
