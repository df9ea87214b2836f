import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MIN_WALL_MS_PROC, processCpuSeconds } from "../cpu-time.js";
import { BenchError } from "../errors.js";
import { spread, type Spread } from "../stats.js";
import type { BenchRow, EngineName } from "../engines/types.js";

/** A local llama-bench build of one peer; its path comes from an environment variable. */
export interface PeerTool {
  engine: Exclude<EngineName, "ryzen" | "node-llama-cpp">;
  envVar: string;
  /** the format this peer is benchmarked on (its own ternary format) */
  nativeFormat: string;
  /** source directory under RYZEN_PEERS_DIR (default /tmp/peers) holding build/bin/llama-bench */
  dir: string;
}

export const PEER_TOOLS: PeerTool[] = [
  { engine: "llama.cpp", envVar: "RYZEN_PEER_LLAMA_BENCH", nativeFormat: "tq2_0", dir: "llama.cpp" },
  { engine: "bitnet.cpp", envVar: "RYZEN_PEER_BITNET_BENCH", nativeFormat: "i2_s", dir: "BitNet" },
  { engine: "ik_llama.cpp", envVar: "RYZEN_PEER_IK_BENCH", nativeFormat: "iq2_bn", dir: "ik_llama.cpp" },
];

/**
 * A peer's llama-bench: its environment variable, else the conventional build location
 * <RYZEN_PEERS_DIR or /tmp/peers>/<dir>/build/bin/llama-bench when that exists (turbo's strict env
 * mode may not pass RYZEN_PEER_* through `pnpm bench`). With `isa`, the conventional location is
 * build-<isa>/ (a build for that instruction set, e.g. llama.cpp with -DGGML_NATIVE=OFF -DGGML_AVX2=ON).
 */
export function peerBinary(tool: PeerTool, env: NodeJS.ProcessEnv = process.env, isa?: string): { path?: string; source: string } {
  const fromEnv = env[tool.envVar];
  if (fromEnv) return { path: fromEnv, source: tool.envVar };
  const conventional = join(env.RYZEN_PEERS_DIR ?? "/tmp/peers", tool.dir, isa ? `build-${isa}` : "build", "bin", "llama-bench");
  return existsSync(conventional) ? { path: conventional, source: "default location" } : { source: `${tool.envVar} unset and no ${conventional}` };
}

export interface LlamaBenchRun {
  bin: string;
  file: string;
  promptTokens: number[];
  genTokens: number[];
  threads: number[];
  repetitions: number;
  timeoutMs?: number;
}

/** One record of `llama-bench -o json` (fields common to llama.cpp, bitnet.cpp and ik_llama.cpp builds). */
interface LlamaBenchRecord {
  n_prompt: number;
  n_gen: number;
  n_threads: number;
  avg_ts: number;
  stddev_ts: number;
  samples_ts?: number[];
}

/** The complete top-level objects of a JSON array cut short (llama-bench killed mid-run prints its records as it goes). */
function completeObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && --depth === 0) {
      try {
        out.push(JSON.parse(text.slice(start, i + 1)));
      } catch {
        /* skip a malformed record */
      }
    }
  }
  return out;
}

/** Parses llama-bench's JSON output; tolerates log lines before the array and a run cut short. */
export function parseLlamaBenchJson(stdout: string): LlamaBenchRecord[] {
  const start = stdout.indexOf("[");
  if (start < 0) throw new BenchError("BAD_OUTPUT", "llama-bench printed no JSON array");
  const end = stdout.lastIndexOf("]");
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.slice(start, end + 1));
  } catch (err) {
    parsed = completeObjects(stdout.slice(start));
    if ((parsed as unknown[]).length === 0) throw new BenchError("BAD_OUTPUT", `llama-bench JSON does not parse: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new BenchError("BAD_OUTPUT", "llama-bench JSON is not an array");
  return parsed.map((r, i) => {
    const rec = r as Record<string, unknown>;
    for (const key of ["n_prompt", "n_gen", "n_threads", "avg_ts"]) {
      if (typeof rec[key] !== "number") throw new BenchError("BAD_OUTPUT", `llama-bench record ${i} has no numeric ${key}`);
    }
    return {
      n_prompt: rec.n_prompt as number,
      n_gen: rec.n_gen as number,
      n_threads: rec.n_threads as number,
      avg_ts: rec.avg_ts as number,
      stddev_ts: typeof rec.stddev_ts === "number" ? rec.stddev_ts : 0,
      samples_ts: Array.isArray(rec.samples_ts) ? (rec.samples_ts as number[]) : undefined,
    };
  });
}

/** Median and range from the per-repetition samples when the build reports them, else mean ± sd. */
export function recordSpread(r: LlamaBenchRecord): Spread {
  if (r.samples_ts && r.samples_ts.length > 0) return spread(r.samples_ts);
  return { median: r.avg_ts, min: r.avg_ts - r.stddev_ts, max: r.avg_ts + r.stddev_ts, samples: [] };
}

/** A moment of a child's life: its CPU seconds so far (undefined if unreadable) and the wall clock (ms). */
export interface CpuMark {
  cpuS?: number;
  wallMs: number;
}

/**
 * CPU/wall of each llama-bench record over the interval since the previous record ended (llama-bench
 * flushes each record as its test ends): context creation, its warm-up (one token for tg, the whole
 * prompt for pp) and the run. The first record's interval also holds the model load, so it gets none;
 * nor does an interval shorter than MIN_WALL_MS_PROC (/proc counts CPU time in 10 ms ticks).
 */
export function cpuPerWallIntervals(marks: CpuMark[]): (number | undefined)[] {
  return marks.map((m, i) => {
    const prev = i === 0 ? undefined : marks[i - 1];
    if (!prev || prev.cpuS === undefined || m.cpuS === undefined || m.wallMs - prev.wallMs < MIN_WALL_MS_PROC) return undefined;
    return ((m.cpuS - prev.cpuS) * 1000) / (m.wallMs - prev.wallMs);
  });
}

/** Converts records to rows; a prefill of `ttftPrompt` tokens gives the TTFT row (prompt time + nothing else). */
export function recordsToRows(records: LlamaBenchRecord[], base: Omit<BenchRow, "test" | "status" | "threads">, ttftPrompt: number, peakRssMb?: number, promptTokens?: number[], cpuPerWall: (number | undefined)[] = []): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const [i, r] of records.entries()) {
    const s = recordSpread(r);
    const cpu = cpuPerWall[i] !== undefined ? { cpuPerWall: spread([cpuPerWall[i]!]) } : {};
    if (r.n_prompt > 0 && r.n_gen === 0) {
      if (r.n_prompt === ttftPrompt) {
        const ms = { median: (ttftPrompt * 1000) / s.median, min: (ttftPrompt * 1000) / s.max, max: (ttftPrompt * 1000) / s.min, samples: s.samples.map((x) => (ttftPrompt * 1000) / x) };
        rows.push({ ...base, threads: r.n_threads, test: "ttft", status: "ok", ms, peakRssMb, reason: `from pp${ttftPrompt}` });
      }
      if (r.n_prompt !== ttftPrompt || promptTokens?.includes(r.n_prompt)) {
        rows.push({ ...base, threads: r.n_threads, test: `pp${r.n_prompt}`, status: "ok", tokensPerS: s, peakRssMb, ...cpu });
      }
    } else if (r.n_gen > 0 && r.n_prompt === 0) {
      rows.push({ ...base, threads: r.n_threads, test: `tg${r.n_gen}`, status: "ok", tokensPerS: s, peakRssMb, ...cpu });
    }
  }
  return rows;
}

/** Peak RSS of a child, sampled from /proc (Linux); undefined elsewhere. */
function sampleRss(pid: number, peak: { kb: number }): void {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = /VmHWM:\s*(\d+)/.exec(status);
    if (hwm) peak.kb = Math.max(peak.kb, Number(hwm[1]));
  } catch {
    /* process gone or not Linux */
  }
}

export interface ToolOutput {
  code: number | null;
  stdout: string;
  stderr: string;
  peakRssMb?: number;
  timedOut: boolean;
}

/** Runs a peer tool with a time limit, collecting its output and sampled peak RSS; `onStdout` sees the output so far as it grows. */
export function runTool(bin: string, args: string[], timeoutMs: number, onStdout?: (stdoutSoFar: string, pid: number) => void): Promise<ToolOutput> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const peak = { kb: 0 };
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (onStdout && child.pid) onStdout(stdout, child.pid);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    const poll = setInterval(() => child.pid && sampleRss(child.pid, peak), 250);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const finish = (code: number | null) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, peakRssMb: peak.kb > 0 ? Math.round(peak.kb / 1024) : undefined });
    };
    child.on("error", (err) => {
      stderr += String(err);
      finish(-1);
    });
    child.on("close", finish);
  });
}

/** The last meaningful lines of a tool's stderr, for a "cannot load" row. */
export function failureReason(out: ToolOutput): string {
  if (out.timedOut) return "timed out";
  const lines = out.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  // the loader's specific complaint first, then generic error lines, then whatever came last
  const specific = lines.filter((l) => /of type \d+|not a multiple|unknown type|invalid ggml type|unknown model architecture|wrong number of tensors|missing tensor|GGML_ASSERT/i.test(l));
  const generic = lines.filter((l) => /error|failed|unknown|invalid|unsupported|cannot|wrong/i.test(l));
  const pick = specific.length ? specific.slice(0, 2) : generic.length ? generic.slice(-2) : lines.slice(-2);
  return pick.join(" | ").slice(0, 300) || `exit code ${out.code}`;
}

export async function runLlamaBench(tool: PeerTool, run: LlamaBenchRun, base: { model: string; format: string }, ttftPrompt: number): Promise<BenchRow[]> {
  const prompts = [...new Set([...run.promptTokens, ...(ttftPrompt > 0 ? [ttftPrompt] : [])])];
  const args = [
    "-m", run.file,
    "-p", prompts.join(","),
    "-n", run.genTokens.join(","),
    "-t", run.threads.join(","),
    "-r", String(run.repetitions),
    "-o", "json",
  ];
  // CPU time of the child as each record appears (records stream, flushed, as each test ends)
  const marks: CpuMark[] = [];
  const out = await runTool(run.bin, args, run.timeoutMs ?? 60 * 60_000, (text, pid) => {
    const begin = text.indexOf("[");
    const complete = begin < 0 ? 0 : completeObjects(text.slice(begin)).length;
    while (marks.length < complete) marks.push({ cpuS: processCpuSeconds(pid), wallMs: performance.now() });
  });
  const rowBase = { engine: tool.engine, model: base.model, format: base.format, file: run.file };
  const refuse = (status: BenchRow["status"], reason: string): BenchRow[] =>
    run.threads.flatMap((threads) =>
      [...run.promptTokens.map((n) => `pp${n}` as const), ...run.genTokens.map((n) => `tg${n}` as const)].map((test) => ({ ...rowBase, threads, test, status, reason })),
    );
  let records: LlamaBenchRecord[];
  try {
    records = parseLlamaBenchJson(out.stdout);
  } catch {
    const loadFailure = /failed to load|error loading model|unknown type|invalid ggml type|wrong number of tensors|missing tensor|unknown model architecture/i.test(out.stderr);
    if (!loadFailure) return refuse("failed", failureReason(out));
    // llama-bench hides the loader's reason unless verbose: ask again, briefly, with -v
    const verbose = await runTool(run.bin, ["-m", run.file, "-p", "1", "-n", "0", "-r", "1", "-v"], 5 * 60_000);
    return refuse("cannot-load", failureReason(verbose.code === 0 ? out : verbose));
  }
  if (records.length === 0) return refuse(out.code === 0 ? "failed" : "cannot-load", failureReason(out));
  const rows = recordsToRows(records, rowBase, ttftPrompt, out.peakRssMb, run.promptTokens, marks.length === records.length ? cpuPerWallIntervals(marks) : []);
  if (out.code !== 0) {
    // cut short (time limit or crash): keep what finished, say what did not
    const done = new Set(rows.map((r) => `${r.threads}|${r.test}`));
    const missing = refuse("failed", failureReason(out)).filter((r) => !done.has(`${r.threads}|${r.test}`));
    rows.push(...missing);
  }
  return rows;
}
