import type { BenchRow, EngineName } from "./engines/types.js";

/** Ryzen vs one peer row: >1 means Ryzen is faster (for TTFT: lower latency). */
export interface RatioRow {
  model: string;
  test: string;
  threads: number;
  peer: EngineName;
  peerFormat: string;
  ryzenFormat: string;
  ryzen: number;
  peerValue: number;
  /** ratio of the two medians */
  ratio: number;
  /** the same two rows' ratio in each round (null when either missed it) */
  perRound: (number | null)[];
  /** median of perRound: the ratio within a time window, robust to the machine changing state between rounds */
  pairedRatio: number | null;
}

export type GoalStatus = "PASS" | "FAIL" | "N/A";

export interface GoalResult {
  id: string;
  description: string;
  target: number;
  /** what PASS/FAIL is decided on: for ratio goals the median over rounds of the per-round ratio */
  measured: number | null;
  /** ratio goals: the ratio of the medians over all rounds (shown beside, not decisive) */
  ratioOfMedians?: number | null;
  /** ratio goals: each round's ratio (null when a side missed that round) */
  perRound?: (number | null)[];
  status: GoalStatus;
  detail: string;
}

/** Ternary formats only: Q4_0 / Q4_K / Q8_0 are reference points, not what a BitNet engine should be judged on. */
const TERNARY = new Set(["tq2_0", "tq1_0", "i2_s", "iq2_bn"]);

/** How a row is read: its median over all rounds, or its value in one round. */
type Reading = (r: BenchRow) => number | undefined;

const finite = (v: number | null | undefined) => (v !== undefined && v !== null && Number.isFinite(v) ? v : undefined);

const value: Reading = (r) => (r.status === "ok" ? finite(r.test === "ttft" ? r.ms?.median : r.tokensPerS?.median) : undefined);

/** A row's value in round i; a row without per-round values (one round) answers for round 0. */
const inRound = (i: number): Reading => (r) => (r.status !== "ok" ? undefined : r.rounds ? finite(r.rounds[i]) : i === 0 ? value(r) : undefined);

/** How many rounds the rows span. */
export function roundCount(rows: BenchRow[]): number {
  return Math.max(1, ...rows.map((r) => r.rounds?.length ?? 1));
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const lowerIsBetter = (test: string) => test === "ttft";

function better(test: string, a: number, b: number): boolean {
  return lowerIsBetter(test) ? a < b : a > b;
}

/** The row with the best reading among those `keep` accepts for one cell. */
function best(rows: BenchRow[], keep: (r: BenchRow) => boolean, model: string, test: string, threads: number, read: Reading): BenchRow | undefined {
  let top: BenchRow | undefined;
  for (const r of rows) {
    if (r.model !== model || r.test !== test || r.threads !== threads || !keep(r)) continue;
    const v = read(r);
    if (v === undefined) continue;
    if (!top || better(test, v, read(top)!)) top = r;
  }
  return top;
}

const isRyzen = (format?: string) => (r: BenchRow) => r.engine === "ryzen" && (format ? r.format === format : TERNARY.has(r.format));
const isTernaryPeer = (r: BenchRow) => r.engine !== "ryzen" && TERNARY.has(r.format);

/** Ryzen's best ternary row for a cell (the format the report pairs with peers by default). */
export function bestRyzen(rows: BenchRow[], model: string, test: string, threads: number, format?: string, read: Reading = value): BenchRow | undefined {
  return best(rows, isRyzen(format), model, test, threads, read);
}

const ratioOf = (test: string, ryzen: number, peer: number) => (lowerIsBetter(test) ? peer / ryzen : ryzen / peer);

/** The ratio of two rows in each round, and its median over the rounds both measured. */
function pairedByRound(ryzen: BenchRow, peer: BenchRow, rounds: number): { perRound: (number | null)[]; pairedRatio: number | null } {
  const perRound = Array.from({ length: rounds }, (_, i) => {
    const rv = inRound(i)(ryzen);
    const pv = inRound(i)(peer);
    return rv !== undefined && pv !== undefined ? ratioOf(ryzen.test, rv, pv) : null;
  });
  return { perRound, pairedRatio: median(perRound.filter((x): x is number => x !== null)) };
}

/** Ratio Ryzen/peer for every measured peer row: same format when Ryzen ran it, else Ryzen's best ternary format. */
export function computeRatios(rows: BenchRow[]): RatioRow[] {
  const rounds = roundCount(rows);
  const out: RatioRow[] = [];
  for (const p of rows) {
    if (p.engine === "ryzen") continue;
    const pv = value(p);
    if (pv === undefined) continue;
    const r = bestRyzen(rows, p.model, p.test, p.threads, p.format) ?? bestRyzen(rows, p.model, p.test, p.threads);
    const rv = r && value(r);
    if (!r || rv === undefined) continue;
    out.push({
      model: p.model,
      test: p.test,
      threads: p.threads,
      peer: p.engine,
      peerFormat: p.format,
      ryzenFormat: r.format,
      ryzen: rv,
      peerValue: pv,
      ratio: ratioOf(p.test, rv, pv),
      ...pairedByRound(r, p, rounds),
    });
  }
  return out;
}

/** The best peer (any engine but Ryzen, ternary formats) for one cell. */
export function bestPeer(rows: BenchRow[], model: string, test: string, threads: number, read: Reading = value): BenchRow | undefined {
  return best(rows, isTernaryPeer, model, test, threads, read);
}

/**
 * Ryzen against the best peer, decided on the median over rounds of each round's ratio, the ratio of
 * the overall medians beside it. Both sides are chosen once, by their medians (Ryzen's best ternary
 * format, the best peer engine), then paired round by round: picking the best of several noisy rows
 * anew in every round would favour whichever side has more candidates.
 */
function ratioGoal(rows: BenchRow[], id: string, description: string, model: string, test: string, threads: number, target: number): GoalResult {
  const r = bestRyzen(rows, model, test, threads);
  const p = bestPeer(rows, model, test, threads);
  if (!r || !p) {
    const missing = !r ? "no Ryzen measurement" : "no peer measurement";
    return { id, description, target, measured: null, status: "N/A", detail: `${missing} for ${model} ${test} at ${threads} thread(s)` };
  }
  const ratioOfMedians = value(r)! / value(p)!;
  const { perRound, pairedRatio } = pairedByRound(r, p, roundCount(rows));
  const rounds = perRound.map((ratio, i) => {
    if (ratio === null) return `round ${i + 1} —`;
    const read = inRound(i);
    return `round ${i + 1} ${ratio.toFixed(2)} (${read(r)!.toFixed(1)} / ${read(p)!.toFixed(1)})`;
  });
  const pair = `Ryzen ${r.format} vs best peer ${p.engine} ${p.format}`;
  const medians = `medians ${value(r)!.toFixed(1)} vs ${value(p)!.toFixed(1)} tok/s = ${ratioOfMedians.toFixed(2)}`;
  return {
    id,
    description,
    target,
    measured: pairedRatio,
    ratioOfMedians,
    perRound,
    status: pairedRatio === null ? "N/A" : pairedRatio >= target ? "PASS" : "FAIL",
    detail: `${pair}: ${rounds.join(", ")}; ${medians}`,
  };
}

/** The performance goals of the issues, each a ratio measured in this run (PASS/FAIL), or N/A when not measured. */
export function evaluateGoals(rows: BenchRow[], model: string, tg: string, pp: string): GoalResult[] {
  const goals = [
    ratioGoal(rows, "decode-2t", `decode (${tg}) ≥ 1.2× best peer at 2 threads`, model, tg, 2, 1.2),
    ratioGoal(rows, "decode-1t", `decode (${tg}) ≥ 1.5× best peer at 1 thread`, model, tg, 1, 1.5),
    ratioGoal(rows, "prefill-2t", `prefill (${pp}) ≥ 1.5× best peer at 2 threads`, model, pp, 2, 1.5),
  ];
  const one = bestRyzen(rows, model, pp, 1);
  const two = one && bestRyzen(rows, model, pp, 2, one.format);
  if (one && two) {
    // paired like the ratio goals: both thread counts of one format run in the same job of a round
    const { perRound, pairedRatio } = pairedByRound(two, one, roundCount(rows));
    const scaling = (x: number | null) => (x === null ? null : x / 2);
    const eff = scaling(pairedRatio);
    const ofMedians = value(two)! / (2 * value(one)!);
    goals.push({
      id: "prefill-scaling",
      description: `prefill (${pp}) 1→2 thread scaling ≥ 90 %`,
      target: 0.9,
      measured: eff,
      ratioOfMedians: ofMedians,
      perRound: perRound.map(scaling),
      status: eff === null ? "N/A" : eff >= 0.9 ? "PASS" : "FAIL",
      detail: `${one.format}; per round ${perRound.map((x) => (x === null ? "—" : (x / 2).toFixed(2))).join(", ")}; medians ${value(one)!.toFixed(1)} → ${value(two)!.toFixed(1)} tok/s = ${ofMedians.toFixed(2)}`,
    });
  } else {
    goals.push({ id: "prefill-scaling", description: `prefill (${pp}) 1→2 thread scaling ≥ 90 %`, target: 0.9, measured: null, status: "N/A", detail: "needs Ryzen prefill at 1 and 2 threads" });
  }
  const ttftRows = rows.filter((r) => r.engine === "ryzen" && r.model === model && r.test === "ttft" && value(r) !== undefined && TERNARY.has(r.format));
  if (ttftRows.length > 0) {
    const best = ttftRows.reduce((a, b) => (value(a)! <= value(b)! ? a : b));
    const s = value(best)! / 1000;
    goals.push({ id: "ttft", description: "TTFT (short prompt) under 0.3 s", target: 0.3, measured: s, status: s < 0.3 ? "PASS" : "FAIL", detail: `${(s * 1000).toFixed(0)} ms, ${best.format}, ${best.threads} thread(s)` });
  } else {
    goals.push({ id: "ttft", description: "TTFT (short prompt) under 0.3 s", target: 0.3, measured: null, status: "N/A", detail: "no Ryzen TTFT measurement" });
  }
  return goals;
}

/**
 * Rows whose measured CPU/wall (effective threads) is far from the thread count they were asked for:
 * more means the engine ran extra threads; less means it was starved (a shared machine) or left a
 * thread idle. Either way its figure is not a like-for-like comparison at that thread count.
 */
export function threadUseNotes(rows: BenchRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const used = r.status === "ok" ? finite(r.cpuPerWall?.median) : undefined;
    if (used === undefined || r.test === "ttft") continue;
    if (used > r.threads + 0.25 || used < 0.75 * r.threads) {
      out.push(`${r.engine} ${r.format} ${r.test} at ${r.threads} thread(s) kept ${used.toFixed(2)} cores busy (CPU time / wall time): ${used > r.threads ? "more threads than asked" : "fewer than asked (starved or idle threads)"}`);
    }
  }
  return out;
}
