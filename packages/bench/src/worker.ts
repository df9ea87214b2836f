/**
 * Child-process entry: runs one engine on one file at each requested thread count (one model load)
 * and prints the results as a marked JSON line. One process per engine and file keeps peak RSS per
 * engine honest and a crash contained.
 */
import { runModelBenchSweep } from "./engines/ryzen.js";
import { runNodeLlamaCppSweep } from "./engines/node-llama-cpp.js";
import { RESULT_MARKER, type ModelBenchOptions } from "./engines/types.js";

interface WorkerJob {
  engine: "ryzen" | "node-llama-cpp";
  file: string;
  options: ModelBenchOptions;
  threads: number[];
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "{}") as WorkerJob;
  try {
    const sweep = job.engine === "ryzen" ? runModelBenchSweep : runNodeLlamaCppSweep;
    const results = await sweep(job.file, job.options, job.threads);
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ ok: true, results })}\n`);
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ ok: false, error: { message: e.message, code: e.code ?? e.name } })}\n`);
  }
  // node-llama-cpp may keep native threads alive; the result is out, so leave now
  process.exit(0);
}

void main();
