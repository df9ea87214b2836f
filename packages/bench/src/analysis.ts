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
  ratio: number;
}

export type GoalStatus = "PASS" | "FAIL" | "N/A";

export interface GoalResult {
  id: string;
  description: string;
  target: number;
  measured: number | null;
  status: GoalStatus;
  detail: string;
}

/** Ternary formats only: Q4_0 is a reference point, not what a BitNet engine should be judged on. */
const TERNARY = new Set(["tq2_0", "tq1_0", "i2_s", "iq2_bn"]);

function value(r: BenchRow): number | undefined {
  const v = r.test === "ttft" ? r.ms?.median : r.tokensPerS?.median;
  return r.status === "ok" && v !== undefined && Number.isFinite(v) ? v : undefined;
}

const lowerIsBetter = (test: string) => test === "ttft";

function better(test: string, a: number, b: number): boolean {
  return lowerIsBetter(test) ? a < b : a > b;
}

/** Ryzen's best ternary row for a cell (the format the report pairs with peers by default). */
export function bestRyzen(rows: BenchRow[], model: string, test: string, threads: number, format?: string): BenchRow | undefined {
  let best: BenchRow | undefined;
  for (const r of rows) {
    if (r.engine !== "ryzen" || r.model !== model || r.test !== test || r.threads !== threads) continue;
    if (format ? r.format !== format : !TERNARY.has(r.format)) continue;
    const v = value(r);
    if (v === undefined) continue;
    if (!best || better(test, v, value(best)!)) best = r;
  }
  return best;
}

/** Ratio Ryzen/peer for every measured peer row: same format when Ryzen ran it, else Ryzen's best ternary format. */
export function computeRatios(rows: BenchRow[]): RatioRow[] {
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
      ratio: lowerIsBetter(p.test) ? pv / rv : rv / pv,
    });
  }
  return out;
}

/** The best peer (any engine but Ryzen, ternary formats) for one cell. */
export function bestPeer(rows: BenchRow[], model: string, test: string, threads: number): BenchRow | undefined {
  let best: BenchRow | undefined;
  for (const r of rows) {
    if (r.engine === "ryzen" || r.model !== model || r.test !== test || r.threads !== threads || !TERNARY.has(r.format)) continue;
    const v = value(r);
    if (v === undefined) continue;
    if (!best || better(test, v, value(best)!)) best = r;
  }
  return best;
}

function ratioGoal(rows: BenchRow[], id: string, description: string, model: string, test: string, threads: number, target: number): GoalResult {
  const r = bestRyzen(rows, model, test, threads);
  const p = bestPeer(rows, model, test, threads);
  if (!r || !p) {
    const missing = !r ? "no Ryzen measurement" : "no peer measurement";
    return { id, description, target, measured: null, status: "N/A", detail: `${missing} for ${model} ${test} at ${threads} thread(s)` };
  }
  const ratio = value(r)! / value(p)!;
  return {
    id,
    description,
    target,
    measured: ratio,
    status: ratio >= target ? "PASS" : "FAIL",
    detail: `Ryzen ${r.format} ${value(r)!.toFixed(1)} vs best peer ${p.engine} ${p.format} ${value(p)!.toFixed(1)} tok/s`,
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
    const eff = value(two)! / (2 * value(one)!);
    goals.push({ id: "prefill-scaling", description: `prefill (${pp}) 1→2 thread scaling ≥ 90 %`, target: 0.9, measured: eff, status: eff >= 0.9 ? "PASS" : "FAIL", detail: `${value(one)!.toFixed(1)} → ${value(two)!.toFixed(1)} tok/s (${one.format})` });
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
