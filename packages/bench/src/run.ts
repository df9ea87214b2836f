import { mkdir, writeFile } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { computeRatios, evaluateGoals, threadUseNotes, type GoalResult, type RatioRow } from "./analysis.js";
import { runInWorker } from "./engines/spawn.js";
import type { BenchRow, EngineName, ModelBenchOptions, ModelBenchResult } from "./engines/types.js";
import { BenchError } from "./errors.js";
import { loadKernels } from "./deps.js";
import { runKernelBench, type KernelBenchSection } from "./kernel-bench.js";
import { machineInfo, measureBandwidth, type BandwidthResult, type MachineInfo } from "./machine.js";
import { generateModel, type GeneratedModel } from "./models/generate.js";
import { getShape, projectionWeights, WEIGHT_TYPES, type WeightType } from "./models/shapes.js";
import { convertToIq2bn, siblingQuantize } from "./peers/convert.js";
import { PEER_TOOLS, peerBinary, runLlamaBench, type PeerTool } from "./peers/llama-bench.js";
import { timeBudget, type TimeBudget } from "./profile.js";
import { renderHtml } from "./report/html.js";
import { renderTerminal } from "./report/terminal.js";
import { runRounds, roundNotes, type BenchJob, type RoundRecord } from "./rounds.js";
import { runTokenizerSection, type TokenizerBenchSection } from "./tokenizer-bench.js";

export interface BenchOptions {
  quick?: boolean;
  models?: string[];
  /** Ryzen's weight formats */
  types?: WeightType[];
  threads?: number[];
  /** interleaved (default): R rounds, each job once per round in rotated order; back-to-back: each job R times in a row */
  repetitions?: number;
  order?: "interleaved" | "back-to-back";
  promptTokens?: number[];
  genTokens?: number[];
  ttftPromptTokens?: number;
  seed?: number;
  /** engines to run (default: all available) */
  engines?: EngineName[];
  outDir?: string;
  cacheDir?: string;
  /** kernel microbenchmarks: true (full unless `quick`), "quick" (its short settings), false (skip) */
  kernels?: boolean | "quick";
  tokenizer?: boolean;
  /** "all" (default): peers also try Ryzen's other formats (a refusal becomes a cannot-load row); "native": each peer on its own format only */
  peerFormats?: "all" | "native";
  /** per engine-and-file time limit in minutes (default 5 quick, 60 full); a job over it becomes a "failed: timed out" row */
  jobTimeoutMinutes?: number;
  /** shortest in-process run whose CPU/wall is recorded (default 200 ms; lower it for tiny models) */
  cpuMinWallMs?: number;
  /** peer llama-bench paths (default: RYZEN_PEER_* environment variables) */
  peerBins?: Partial<Record<EngineName, string>>;
  /**
   * Compare on a narrower instruction set than the machine's best: Ryzen runs with RYZEN_ISA set to
   * it, peers from their build-<isa>/ directories (see peerBinary), and node-llama-cpp, which picks
   * its own binaries, is left out.
   */
  isa?: BenchIsa;
  log?: (line: string) => void;
}

export interface BenchReport {
  schema: "ryzen-bench/2";
  mode: "quick" | "full";
  startedAt: string;
  finishedAt: string;
  command: string;
  settings: Required<Pick<BenchOptions, "models" | "types" | "threads" | "repetitions" | "order" | "promptTokens" | "genTokens" | "ttftPromptTokens" | "seed">>;
  machine: MachineInfo;
  /** the rounds as they ran: order, duration, read bandwidth before each round and each job */
  rounds: RoundRecord[];
  /** read bandwidth measured again after the runs (the machine's bandwidth drifts) */
  bandwidthAfter: BandwidthResult[];
  models: (GeneratedModel & { projectionWeights: number })[];
  rows: BenchRow[];
  ratios: RatioRow[];
  goals: GoalResult[];
  goalModel: string;
  kernels: KernelBenchSection;
  /** Ryzen's measured time per token against the matmul time the kernel bench predicts */
  budget: TimeBudget[];
  tokenizer: TokenizerBenchSection;
  peers: { engine: EngineName; status: "used" | "not-configured" | "missing"; detail: string }[];
  notes: string[];
}

export interface BenchOutput {
  report: BenchReport;
  jsonPath: string;
  htmlPath: string;
  terminal: string;
}

const ALL_ENGINES: EngineName[] = ["ryzen", "node-llama-cpp", "llama.cpp", "bitnet.cpp", "ik_llama.cpp"];
export const BENCH_ISAS = ["avx2", "avx512"] as const;
export type BenchIsa = (typeof BENCH_ISAS)[number];

export function resolveSettings(opts: BenchOptions, physicalCores: number): BenchReport["settings"] {
  const quick = !!opts.quick;
  const maxThreads = Math.max(1, physicalCores);
  const settings = {
    models: opts.models ?? (quick ? ["tiny"] : ["bitnet-2b4t"]),
    types: opts.types ?? (quick ? (["tq2_0"] as WeightType[]) : (["tq2_0", "tq1_0", "i2_s"] as WeightType[])),
    threads: opts.threads ?? Array.from({ length: maxThreads }, (_, i) => i + 1),
    repetitions: opts.repetitions ?? (quick ? 1 : 3),
    order: opts.order ?? "interleaved",
    promptTokens: opts.promptTokens ?? (quick ? [16] : [128, 512]),
    genTokens: opts.genTokens ?? (quick ? [8] : [64, 128]),
    ttftPromptTokens: opts.ttftPromptTokens ?? (quick ? 8 : 32),
    seed: opts.seed ?? 1,
  };
  for (const m of settings.models) getShape(m);
  for (const t of settings.types) {
    if (!WEIGHT_TYPES.includes(t)) throw new BenchError("UNKNOWN_WEIGHT_TYPE", `unknown weight type "${t}" (known: ${WEIGHT_TYPES.join(", ")})`);
  }
  for (const [name, list] of [["threads", settings.threads], ["promptTokens", settings.promptTokens], ["genTokens", settings.genTokens]] as const) {
    if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) throw new BenchError("BAD_OPTION", `${name} must be positive integers, got ${JSON.stringify(list)}`);
  }
  if (!Number.isInteger(settings.repetitions) || settings.repetitions < 1) throw new BenchError("BAD_OPTION", `repetitions must be a positive integer, got ${settings.repetitions}`);
  if (settings.order !== "interleaved" && settings.order !== "back-to-back") throw new BenchError("BAD_OPTION", `order must be "interleaved" or "back-to-back", got ${JSON.stringify(settings.order)}`);
  return settings;
}

/** Turns an in-process engine result into table rows (one per test). */
export function resultToRows(engine: EngineName, model: string, format: string, res: ModelBenchResult): BenchRow[] {
  const base = { engine, model, format, threads: res.threads, file: res.file, peakRssMb: res.peak_rss_mb };
  const note = res.notes.length ? res.notes.join("; ") : undefined;
  const rows: BenchRow[] = [];
  for (const [n, s] of Object.entries(res.pp_tokens_per_s)) rows.push({ ...base, test: `pp${Number(n)}`, status: "ok", tokensPerS: s, cpuPerWall: res.pp_cpu_per_wall?.[Number(n)], reason: note });
  for (const [n, s] of Object.entries(res.tg_tokens_per_s)) rows.push({ ...base, test: `tg${Number(n)}`, status: "ok", tokensPerS: s, cpuPerWall: res.tg_cpu_per_wall?.[Number(n)], reason: note });
  if (res.ttft_ms) rows.push({ ...base, test: "ttft", status: "ok", ms: res.ttft_ms });
  return rows;
}

function refusedRows(engine: EngineName, model: string, format: string, threads: number[], s: BenchReport["settings"], status: BenchRow["status"], reason: string): BenchRow[] {
  const tests = [...s.promptTokens.map((n) => `pp${n}` as const), ...s.genTokens.map((n) => `tg${n}` as const)];
  return threads.flatMap((t) => tests.map((test) => ({ engine, model, format, threads: t, test, status, reason })));
}

function isLoadError(message: string): boolean {
  return /unknown type|unsupported|not supported|invalid.*type|failed to load|UNSUPPORTED|cannot load|wrong number|missing tensor/i.test(message);
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchOutput> {
  if (opts.isa === undefined) return runBenchHere(opts);
  if (!BENCH_ISAS.includes(opts.isa)) throw new BenchError("BAD_OPTION", `isa must be one of ${BENCH_ISAS.join(", ")}, got ${JSON.stringify(opts.isa)}`);
  // RYZEN_ISA is inherited by the engine worker processes; setIsa covers this process (probes,
  // kernel bench). Both are put back afterwards.
  const prevEnv = process.env.RYZEN_ISA;
  const kernels = await loadKernels().catch(() => null);
  const prevIsa = kernels?.cpuInfo().isa;
  process.env.RYZEN_ISA = opts.isa;
  kernels?.setIsa?.(opts.isa);
  try {
    return await runBenchHere(opts);
  } finally {
    if (prevEnv === undefined) delete process.env.RYZEN_ISA;
    else process.env.RYZEN_ISA = prevEnv;
    if (prevIsa) kernels?.setIsa?.(prevIsa);
  }
}

async function runBenchHere(opts: BenchOptions): Promise<BenchOutput> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const startedAt = new Date().toISOString();
  const notes: string[] = [];
  if (opts.isa !== undefined)
    notes.push(`isa ${opts.isa}: Ryzen ran with RYZEN_ISA=${opts.isa}, peers from their build-${opts.isa}/ directories (or RYZEN_PEER_*); node-llama-cpp, which picks its own binaries, was left out`);
  const machine = await machineInfo();
  if (opts.isa !== undefined && machine.isa !== null && machine.isa !== opts.isa)
    throw new BenchError("BAD_OPTION", `isa ${opts.isa}: this CPU runs at most ${machine.isa}`);
  const settings = resolveSettings(opts, machine.physicalCores ?? machine.logicalCores);
  machine.bandwidth = await measureBandwidth(settings.threads, machine.notes);
  const engines = new Set(opts.engines ?? ALL_ENGINES);
  if (opts.isa !== undefined) engines.delete("node-llama-cpp");
  const workerOpts = (vocabSize: number, repetitions: number): ModelBenchOptions => ({
    promptTokens: settings.promptTokens,
    genTokens: settings.genTokens,
    repetitions,
    ttftPromptTokens: settings.ttftPromptTokens,
    seed: settings.seed,
    vocabSize,
    cpuMinWallMs: opts.cpuMinWallMs,
  });
  const jobTimeout = (opts.jobTimeoutMinutes ?? (opts.quick ? 5 : 60)) * 60_000;
  /** rows decided before anything runs (a file that could not be made) */
  const refused: BenchRow[] = [];
  const jobs: BenchJob[] = [];
  const models: BenchReport["models"] = [];
  const peers: BenchReport["peers"] = [];
  const peerBins = new Map<PeerTool, string>();
  for (const tool of PEER_TOOLS) {
    if (!engines.has(tool.engine)) continue;
    const found = opts.peerBins?.[tool.engine] ? { path: opts.peerBins[tool.engine], source: "option" } : peerBinary(tool, process.env, opts.isa);
    const bin = found.path;
    if (!bin) peers.push({ engine: tool.engine, status: "not-configured", detail: `${found.source}: set ${tool.envVar} to its llama-bench` });
    else if (!existsSync(bin)) peers.push({ engine: tool.engine, status: "missing", detail: `${tool.envVar}=${bin} does not exist` });
    else {
      peers.push({ engine: tool.engine, status: "used", detail: `${bin} (${found.source})` });
      peerBins.set(tool, bin);
    }
  }

  /** An in-process engine (its own Node process) on one file, all thread counts. */
  const workerJob = (engine: "ryzen" | "node-llama-cpp", modelName: string, format: string, file: string, vocab: number): BenchJob => ({
    id: `${engine} ${format}`,
    model: modelName,
    run: async (reps) => {
      const out = await runInWorker(engine, file, workerOpts(vocab, reps), settings.threads, jobTimeout);
      if (out.ok) return out.results.flatMap((res) => resultToRows(engine, modelName, format, res));
      return refusedRows(engine, modelName, format, settings.threads, settings, isLoadError(out.error.message) ? "cannot-load" : "failed", out.error.message);
    },
  });

  for (const modelName of settings.models) {
    const shape = getShape(modelName);
    // Every format any engine needs, generated from the same seed (i2_s also feeds ik's IQ2_BN).
    const formats = new Set<WeightType>(settings.types);
    if (engines.has("node-llama-cpp") || peerBins.size > 0) formats.add("tq2_0");
    if ([...peerBins.keys()].some((t) => t.engine !== "llama.cpp")) formats.add("i2_s");
    const files = new Map<string, string>();
    for (const wt of formats) {
      log(`generating ${modelName} ${wt} ...`);
      try {
        const g = await generateModel({ model: modelName, weightType: wt, seed: settings.seed, cacheDir: opts.cacheDir });
        log(`  ${g.path} (${(g.bytes / 2 ** 20).toFixed(0)} MiB, ${g.cached ? "cached" : `${g.seconds.toFixed(1)} s`})`);
        models.push({ ...g, projectionWeights: projectionWeights(shape) });
        files.set(wt, g.path);
      } catch (err) {
        notes.push(`could not generate ${modelName} ${wt}: ${(err as Error).message}`);
        log(`  failed: ${(err as Error).message}`);
      }
    }

    if (engines.has("ryzen")) {
      for (const wt of settings.types) {
        const file = files.get(wt);
        if (file) jobs.push(workerJob("ryzen", modelName, wt, file, shape.vocab));
        else refused.push(...refusedRows("ryzen", modelName, wt, settings.threads, settings, "not-run", "model file could not be generated"));
      }
    }

    if (engines.has("node-llama-cpp")) {
      const nlcFormats = opts.peerFormats === "native" ? ["tq2_0"] : ["tq2_0", ...settings.types.filter((t) => t !== "tq2_0")];
      for (const wt of nlcFormats) {
        const file = files.get(wt as WeightType);
        if (file) jobs.push(workerJob("node-llama-cpp", modelName, wt, file, shape.vocab));
      }
    }

    for (const [tool, bin] of peerBins) {
      let formatsForPeer: string[] = [tool.nativeFormat];
      if (opts.peerFormats !== "native") {
        if (tool.engine === "llama.cpp") formatsForPeer = ["tq2_0", ...settings.types.filter((t) => t !== "tq2_0")];
        if (tool.engine === "bitnet.cpp") formatsForPeer = ["i2_s", ...settings.types.filter((t) => t !== "i2_s" && t !== "tq1_0")];
      }
      for (const fmt of formatsForPeer) {
        let file = files.get(fmt);
        if (fmt === "iq2_bn") {
          const i2s = files.get("i2_s");
          const q = siblingQuantize(bin, process.env.RYZEN_PEER_IK_QUANTIZE);
          if (!i2s || !q) {
            refused.push(...refusedRows(tool.engine, modelName, fmt, settings.threads, settings, "not-run", !q ? "ik_llama.cpp llama-quantize not found next to its llama-bench (or RYZEN_PEER_IK_QUANTIZE)" : "no I2_S source file"));
            continue;
          }
          try {
            log(`converting ${modelName} i2_s → iq2_bn with ik_llama.cpp ...`);
            file = await convertToIq2bn(q, i2s);
          } catch (err) {
            refused.push(...refusedRows(tool.engine, modelName, fmt, settings.threads, settings, "failed", (err as Error).message));
            continue;
          }
        }
        if (!file) continue;
        const peerFile = file;
        jobs.push({
          id: `${tool.engine} ${fmt}`,
          model: modelName,
          run: (reps) =>
            runLlamaBench(
              tool,
              { bin, file: peerFile, promptTokens: settings.promptTokens, genTokens: settings.genTokens, threads: settings.threads, repetitions: reps, timeoutMs: jobTimeout },
              { model: modelName, format: fmt },
              settings.ttftPromptTokens,
            ),
        });
      }
    }
  }

  const probeNotes: string[] = [];
  const interleaved = settings.order === "interleaved";
  const measured = await runRounds(jobs, {
    rounds: interleaved ? settings.repetitions : 1,
    repetitionsPerRound: interleaved ? 1 : settings.repetitions,
    threads: settings.threads,
    probe: (threads) => measureBandwidth(threads, probeNotes),
    log,
  });
  const rows = [...refused, ...measured.rows];
  notes.push(...new Set(probeNotes.filter((n) => !machine.notes.includes(n))));
  notes.push(...roundNotes(measured.rounds));
  notes.push(...threadUseNotes(rows));

  for (const r of rows) {
    if (r.file && existsSync(r.file)) r.fileBytes = statSync(r.file).size;
  }
  const kernels: KernelBenchSection = opts.kernels === false ? { status: "unavailable", reason: "disabled (--no-kernels)", rows: [] } : await runKernelBench({ quick: opts.quick || opts.kernels === "quick", threads: settings.threads, isas: opts.isa ? [opts.isa] : undefined });
  const tokenizer: TokenizerBenchSection = opts.tokenizer === false ? { status: "unavailable", reason: "disabled (--no-tokenizer)" } : await runTokenizerSection({ quick: opts.quick });
  const bandwidthAfter = await measureBandwidth(settings.threads, []);
  const cores = machine.physicalCores ?? machine.logicalCores;
  // Only the load before the run tells of other work: by the end, the 1-minute average is mostly the
  // bench's own 2-thread jobs. Contention during the run shows per row as cpu/wall.
  if (machine.loadavg[0] > cores * 0.5) {
    notes.push(
      `the machine was busy when this run started (1-min load average ${machine.loadavg[0].toFixed(1)} on ${cores} cores): engines compete with other processes, and multi-threaded engines that spin-wait (ggml's thread pool) collapse under oversubscription — treat multi-thread figures and their ratios as unreliable, and check the cpu/wall column`,
    );
  }
  const goalModel = settings.models.includes("bitnet-2b4t") ? "bitnet-2b4t" : settings.models[0];
  const tgTest = `tg${Math.max(...settings.genTokens)}`;
  const ppTest = settings.promptTokens.includes(128) ? "pp128" : `pp${settings.promptTokens[0]}`;
  if (goalModel !== "bitnet-2b4t") notes.push(`goals are defined on the bitnet-2b4t shape; this run's PASS/FAIL on ${goalModel} is indicative only`);
  const report: BenchReport = {
    schema: "ryzen-bench/2",
    mode: opts.quick ? "quick" : "full",
    startedAt,
    finishedAt: new Date().toISOString(),
    command: process.argv.slice(1).join(" "),
    settings,
    machine,
    rounds: measured.rounds,
    bandwidthAfter,
    models,
    rows,
    ratios: computeRatios(rows),
    goals: evaluateGoals(rows, goalModel, tgTest, ppTest),
    goalModel,
    kernels,
    budget: timeBudget(rows, kernels, machine.isa),
    tokenizer,
    peers,
    notes,
  };
  const outDir = resolve(opts.outDir ?? process.env.RYZEN_BENCH_OUT ?? "bench-results");
  await mkdir(outDir, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  const jsonPath = join(outDir, `ryzen-bench-${stamp}.json`);
  const htmlPath = join(outDir, `ryzen-bench-${stamp}.html`);
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(htmlPath, renderHtml(report));
  await writeFile(join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, "latest.html"), renderHtml(report));
  return { report, jsonPath, htmlPath, terminal: renderTerminal(report) };
}
