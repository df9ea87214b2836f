/**
 * Child-process entry: runs one engine on one file at one thread count and prints the result as a
 * marked JSON line. One process per job keeps peak RSS per engine honest and a crash contained.
 */
import { runModelBench } from "./engines/ryzen.js";
import { runNodeLlamaCppBench } from "./engines/node-llama-cpp.js";
import { RESULT_MARKER, type ModelBenchOptions } from "./engines/types.js";

interface WorkerJob {
  engine: "ryzen" | "node-llama-cpp";
  file: string;
  options: ModelBenchOptions;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "{}") as WorkerJob;
  try {
    const run = job.engine === "ryzen" ? runModelBench : runNodeLlamaCppBench;
    const result = await run(job.file, job.options);
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ ok: true, result })}\n`);
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ ok: false, error: { message: e.message, code: e.code ?? e.name } })}\n`);
  }
  // node-llama-cpp may keep native threads alive; the result is out, so leave now
  process.exit(0);
}

void main();
