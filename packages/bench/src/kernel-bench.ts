import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Kernel microbenchmark results folded into the report: whatever rows @ryzen/kernels' bench produces. */
export interface KernelBenchSection {
  status: "ok" | "unavailable" | "failed";
  reason?: string;
  source?: string;
  rows: Record<string, string | number | boolean | null>[];
}

type KernelBenchFn = (opts: { quick?: boolean; threads?: number[] }) => unknown;

/** Where kernels-ternary's benchmark may live: a package subpath, or the built file in the workspace. */
function candidates(): string[] {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const roots = [`${here}../../kernels/bench/`, `${here}../../../kernels/bench/`];
  const files = ["index.js", "index.mjs", "dist/index.js", "bench.js"];
  return roots.flatMap((r) => files.map((f) => r + f)).filter((p) => existsSync(p));
}

function toRows(result: unknown): Record<string, string | number | boolean | null>[] {
  const arr = Array.isArray(result) ? result : (result as { rows?: unknown[] } | undefined)?.rows;
  if (!Array.isArray(arr)) return [];
  return arr.filter((r) => r && typeof r === "object") as Record<string, string | number | boolean | null>[];
}

export async function runKernelBench(opts: { quick?: boolean; threads?: number[] }): Promise<KernelBenchSection> {
  const specs: string[] = ["@ryzen/kernels/bench", ...candidates().map((p) => pathToFileURL(p).href)];
  const reasons: string[] = [];
  for (const spec of specs) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(spec)) as Record<string, unknown>;
    } catch (err) {
      reasons.push(`${spec}: ${(err as Error).message.split("\n")[0]}`);
      continue;
    }
    const fn = (mod.runKernelBench ?? mod.runBench ?? mod.default) as KernelBenchFn | undefined;
    if (typeof fn !== "function") {
      reasons.push(`${spec}: no runKernelBench export`);
      continue;
    }
    try {
      return { status: "ok", source: spec, rows: toRows(await fn(opts)) };
    } catch (err) {
      return { status: "failed", source: spec, reason: (err as Error).message, rows: [] };
    }
  }
  return { status: "unavailable", reason: `kernel benchmark not found (${reasons.join("; ") || "no candidates"})`, rows: [] };
}
