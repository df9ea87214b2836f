import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { runTool } from "../peers/llama-bench.js";
import { RESULT_MARKER, type ModelBenchOptions, type ModelBenchResult } from "./types.js";

/** dist/worker.js next to this bundle (tsup emits it as its own entry). */
export function workerPath(): string {
  // RYZEN_BENCH_WORKER lets the sources (tests under vitest) use the built worker
  return process.env.RYZEN_BENCH_WORKER ?? fileURLToPath(new URL("./worker.js", import.meta.url));
}

export type WorkerOutcome = { ok: true; results: ModelBenchResult[] } | { ok: false; error: { message: string; code: string } };

/** Runs one engine on one file at each thread count in a fresh Node process; its results (or its error). */
export async function runInWorker(engine: "ryzen" | "node-llama-cpp", file: string, options: ModelBenchOptions, threads: number[], timeoutMs: number): Promise<WorkerOutcome> {
  const path = workerPath();
  if (!existsSync(path)) return { ok: false, error: { code: "WORKER_FAILED", message: `worker not built at ${path} (run pnpm --filter @ryzen/bench build)` } };
  const out = await runTool(process.execPath, [path, JSON.stringify({ engine, file, options, threads })], timeoutMs);
  const line = out.stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
  if (!line) {
    const tail = out.stderr.trim().split("\n").slice(-3).join(" | ");
    return { ok: false, error: { code: "WORKER_FAILED", message: out.timedOut ? "timed out" : `worker exited ${out.code} without a result: ${tail}` } };
  }
  const parsed = JSON.parse(line.slice(RESULT_MARKER.length)) as WorkerOutcome;
  if (parsed.ok && out.peakRssMb) for (const r of parsed.results) r.peak_rss_mb = Math.max(r.peak_rss_mb, out.peakRssMb);
  return parsed;
}
