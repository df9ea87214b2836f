/**
 * Interleaved rounds. This machine's memory bandwidth switches state from minute to minute, so an
 * engine whose repetitions all run back to back can land wholly in the fast state and another wholly
 * in the slow one. Instead every job (an engine on one file) runs once per round, the order rotating
 * from round to round, and each row's samples are merged across rounds: every engine's median then
 * spans the same time windows, and ratios can be paired within a round.
 */
import type { BenchRow } from "./engines/types.js";
import type { BandwidthResult } from "./machine.js";
import { spread, type Spread } from "./stats.js";

/** One engine on one file: all thread counts and tests, `repetitions` times each, after its own warm-up. */
export interface BenchJob {
  /** "engine format", unique within a model */
  id: string;
  model: string;
  run(repetitions: number): Promise<BenchRow[]>;
}

export interface JobRecord {
  id: string;
  model: string;
  startedAt: string;
  seconds: number;
  /** single-thread read bandwidth measured just before the job */
  bandwidth1t?: number;
  outcome: "ok" | "partial" | "failed" | "skipped";
  /** an exception the job threw (its rows are then missing for this and later rounds) */
  error?: string;
}

export interface RoundRecord {
  round: number;
  startedAt: string;
  seconds: number;
  /** read bandwidth at each thread count, measured before the round's first job */
  bandwidth: BandwidthResult[];
  /** in the order they ran */
  jobs: JobRecord[];
}

/**
 * The job order of round `round` (0-based) of `rounds`: the list rotated by round·⌈n/rounds⌉, so over
 * the rounds each job runs early, in the middle and late instead of always in the same slot.
 */
export function roundOrder<T>(jobs: readonly T[], round: number, rounds: number): T[] {
  const n = jobs.length;
  if (n === 0) return [];
  const shift = (round * Math.ceil(n / Math.max(1, rounds))) % n;
  return [...jobs.slice(shift), ...jobs.slice(0, shift)];
}

const rowKey = (r: BenchRow) => `${r.model}|${r.engine}|${r.format}|${r.threads}|${r.test}`;

function measured(r: BenchRow): Spread | undefined {
  return r.test === "ttft" ? r.ms : r.tokensPerS;
}

/** A spread's samples; a spread without them (mean ± sd from a peer) counts as its median alone. */
function samplesOf(s: Spread | undefined): number[] {
  if (!s) return [];
  return s.samples.length > 0 ? s.samples : Number.isFinite(s.median) ? [s.median] : [];
}

/**
 * Rows of all rounds (index = round) merged into one row per engine·format·threads·test: samples
 * pooled (median and min–max over every round), `rounds[i]` = that round's median (null when the
 * round did not measure it), peak RSS the largest. A row measured in no round keeps its first refusal.
 */
export function mergeRounds(perRound: BenchRow[][]): BenchRow[] {
  const groups = new Map<string, (BenchRow | undefined)[]>();
  perRound.forEach((rows, i) => {
    for (const r of rows) {
      const key = rowKey(r);
      const slots = groups.get(key) ?? new Array<BenchRow | undefined>(perRound.length).fill(undefined);
      slots[i] = r;
      groups.set(key, slots);
    }
  });
  const out: BenchRow[] = [];
  for (const slots of groups.values()) {
    const present = slots.filter((r): r is BenchRow => r !== undefined);
    const ok = present.filter((r) => r.status === "ok" && samplesOf(measured(r)).length > 0);
    if (ok.length === 0) {
      out.push({ ...present[0], rounds: slots.map(() => null) });
      continue;
    }
    const first = ok[0];
    const pooled = spread(ok.flatMap((r) => samplesOf(measured(r))));
    const cpu = ok.flatMap((r) => samplesOf(r.cpuPerWall));
    const problems = slots.flatMap((r, i) => (r && r !== first && r.status !== "ok" ? [`round ${i + 1}: ${r.status}${r.reason ? ` (${r.reason})` : ""}`] : []));
    const reasons = [...new Set(ok.map((r) => r.reason).filter(Boolean)), ...problems];
    const rss = present.map((r) => r.peakRssMb).filter((x): x is number => x !== undefined);
    const merged: BenchRow = {
      ...first,
      status: "ok",
      reason: reasons.length ? reasons.join("; ") : undefined,
      peakRssMb: rss.length ? Math.max(...rss) : undefined,
      rounds: slots.map((r) => (r && ok.includes(r) ? measured(r)!.median : null)),
    };
    if (first.test === "ttft") merged.ms = pooled;
    else merged.tokensPerS = pooled;
    if (cpu.length) merged.cpuPerWall = spread(cpu);
    else delete merged.cpuPerWall;
    out.push(merged);
  }
  return out;
}

export interface RoundsOptions {
  rounds: number;
  /** repetitions of each job within a round (1 when interleaving; R for the old back-to-back order) */
  repetitionsPerRound: number;
  /** read bandwidth now, at these thread counts (an empty list when it cannot be measured) */
  probe(threads: number[]): Promise<BandwidthResult[]>;
  threads: number[];
  log?: (line: string) => void;
}

/**
 * Runs `rounds` rounds of all jobs (rotated order, see roundOrder), probing read bandwidth before each
 * round and, at one thread, before each job. A job that measures nothing in a round (cannot load,
 * crashed, timed out) is not retried in later rounds: its outcome would not change, only cost time.
 */
export async function runRounds(jobs: BenchJob[], opts: RoundsOptions): Promise<{ rows: BenchRow[]; rounds: RoundRecord[] }> {
  const perRound: BenchRow[][] = [];
  const records: RoundRecord[] = [];
  const dropped = new Set<BenchJob>();
  for (let round = 0; round < opts.rounds; round++) {
    const startedAt = new Date();
    const bandwidth = await opts.probe(opts.threads);
    const rows: BenchRow[] = [];
    const jobRecords: JobRecord[] = [];
    for (const job of roundOrder(jobs, round, opts.rounds)) {
      if (dropped.has(job)) {
        jobRecords.push({ id: job.id, model: job.model, startedAt: new Date().toISOString(), seconds: 0, outcome: "skipped" });
        continue;
      }
      const bw1 = (await opts.probe([1]))[0]?.gbPerS;
      opts.log?.(`round ${round + 1}/${opts.rounds}: ${job.model} ${job.id}${bw1 ? ` (read ${bw1.toFixed(1)} GB/s at 1 thread)` : ""} ...`);
      const t0 = new Date();
      let jobRows: BenchRow[] = [];
      let error: string | undefined;
      try {
        jobRows = await job.run(opts.repetitionsPerRound);
      } catch (err) {
        error = (err as Error).message; // one job's bug must not throw away the other jobs' rounds
      }
      const okCount = jobRows.filter((r) => r.status === "ok").length;
      if (okCount === 0) dropped.add(job);
      rows.push(...jobRows);
      jobRecords.push({
        id: job.id,
        model: job.model,
        startedAt: t0.toISOString(),
        seconds: (Date.now() - t0.getTime()) / 1000,
        bandwidth1t: bw1,
        outcome: okCount === 0 ? "failed" : okCount < jobRows.length ? "partial" : "ok",
        ...(error !== undefined ? { error } : {}),
      });
    }
    perRound.push(rows);
    records.push({ round: round + 1, startedAt: startedAt.toISOString(), seconds: (Date.now() - startedAt.getTime()) / 1000, bandwidth, jobs: jobRecords });
  }
  return { rows: mergeRounds(perRound), rounds: records };
}

/** Spread of single-thread read bandwidth within a round above which its jobs likely ran in different machine states. */
export const STATE_CHANGE_RATIO = 1.15;

/**
 * What a reader must know about the rounds: a job that threw, and rounds whose single-thread read
 * bandwidth moved by more than STATE_CHANGE_RATIO between its probes (before the round and before each
 * job) — the machine changed state mid-round, so that round's ratios compare engines in different
 * states and its paired ratio is less trustworthy.
 */
export function roundNotes(rounds: RoundRecord[]): string[] {
  const out: string[] = [];
  for (const r of rounds) {
    for (const j of r.jobs) if (j.error) out.push(`round ${r.round}: ${j.model} ${j.id} threw: ${j.error}`);
    const gbs = [r.bandwidth.find((b) => b.threads === 1)?.gbPerS, ...r.jobs.map((j) => j.bandwidth1t)].filter((x): x is number => x !== undefined && x > 0);
    if (gbs.length < 2) continue;
    const lo = Math.min(...gbs);
    const hi = Math.max(...gbs);
    if (hi / lo > STATE_CHANGE_RATIO) out.push(`round ${r.round}: single-thread read bandwidth ranged ${lo.toFixed(1)}–${hi.toFixed(1)} GB/s across its probes — the machine changed state mid-round, so that round's ratios compare engines in different states`);
  }
  return out;
}
