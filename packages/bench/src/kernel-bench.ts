import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Kernel microbenchmark results folded into the report: whatever rows @ryzen/kernels' bench produces. */
export interface KernelBenchSection {
  status: "ok" | "unavailable" | "failed";
  reason?: string;
  source?: string;
  rows: Record<string, string | number | boolean | null>[];
  /** the kernel bench's own text rendering */
  text?: string;
}

type KernelBenchFn = (opts: Record<string, unknown>) => unknown;

/** Where kernels-ternary's benchmark may live: a package subpath, or the built file in the workspace. */
function candidates(): string[] {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const roots = [`${here}../../kernels/bench/`, `${here}../../../kernels/bench/`];
  const files = ["kernels-bench.mjs", "index.js", "index.mjs"];
  return roots.flatMap((r) => files.map((f) => r + f)).filter((p) => existsSync(p));
}

type Row = Record<string, string | number | boolean | null>;

/** Flattens the kernel bench result ({ gemv, gemm, head } lists, or plain rows) into one table. */
export function toRows(result: unknown): Row[] {
  if (Array.isArray(result)) return result.filter((r) => r && typeof r === "object") as Row[];
  const r = result as Record<string, unknown> | undefined;
  if (!r) return [];
  if (Array.isArray(r.rows)) return toRows(r.rows);
  const out: Row[] = [];
  for (const kind of ["gemv", "gemm", "head"]) {
    const list = r[kind];
    if (Array.isArray(list)) for (const x of list) if (x && typeof x === "object") out.push({ kind, ...(x as Row) });
  }
  return out;
}

export async function runKernelBench(opts: { quick?: boolean; threads?: number[]; isas?: string[] }): Promise<KernelBenchSection> {
  // quick: the kernel bench's own quick settings (64 MB of weights, 3 repetitions); the output head
  // stays in, the time budget needs it
  const args: Record<string, unknown> = opts.quick ? { quick: true, mb: 64, reps: 3, threads: opts.threads } : { threads: opts.threads };
  if (opts.isas) args.isas = opts.isas;
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
    const fn = (mod.runKernelBench ?? mod.default) as KernelBenchFn | undefined;
    const format = mod.formatKernelBench as ((r: unknown) => string) | undefined;
    if (typeof fn !== "function") {
      reasons.push(`${spec}: no runKernelBench export`);
      continue;
    }
    try {
      const result = await fn(args);
      return { status: "ok", source: spec, rows: toRows(result), text: typeof format === "function" ? format(result) : undefined };
    } catch (err) {
      return { status: "failed", source: spec, reason: (err as Error).message, rows: [] };
    }
  }
  return { status: "unavailable", reason: `kernel benchmark not found (${reasons.join("; ") || "no candidates"})`, rows: [] };
}
