import type { BenchRow } from "../engines/types.js";
import { formatSpread, spread } from "../stats.js";
import type { BenchReport } from "../run.js";

/** One line of the main table: an engine on one file at one thread count, tests as columns. */
export interface TableLine {
  model: string;
  engine: string;
  format: string;
  threads: number;
  cells: Record<string, BenchRow | undefined>;
  peakRssMb?: number;
  problem?: string;
}

export function testColumns(report: BenchReport): string[] {
  const s = report.settings;
  return [...s.promptTokens.map((n) => `pp${n}`), ...s.genTokens.map((n) => `tg${n}`), "ttft"];
}

export function tableLines(report: BenchReport): TableLine[] {
  const lines = new Map<string, TableLine>();
  for (const r of report.rows) {
    const key = `${r.model}|${r.engine}|${r.format}|${r.threads}`;
    let line = lines.get(key);
    if (!line) {
      line = { model: r.model, engine: r.engine, format: r.format, threads: r.threads, cells: {} };
      lines.set(key, line);
    }
    line.cells[r.test] = r;
    if (r.peakRssMb !== undefined) line.peakRssMb = Math.max(line.peakRssMb ?? 0, r.peakRssMb);
    if (r.status !== "ok" && r.reason) line.problem = `${r.status}: ${r.reason}`;
  }
  return [...lines.values()];
}

/** Text of one cell: "median (min–max)", the refusal kind, or a dash. */
export function cellText(r: BenchRow | undefined): string {
  if (!r) return "—";
  if (r.status !== "ok") return r.status === "cannot-load" ? "cannot load" : r.status;
  return r.test === "ttft" ? formatSpread(r.ms, 0) : formatSpread(r.tokensPerS, 1);
}

/** Median value of a cell or undefined. */
export function cellValue(r: BenchRow | undefined): number | undefined {
  if (!r || r.status !== "ok") return undefined;
  const v = r.test === "ttft" ? r.ms?.median : r.tokensPerS?.median;
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Effective threads (CPU time / wall time) of a line's first prefill and longest decode: "1.00 / 0.98". */
export function cpuText(line: TableLine, report: BenchReport): string {
  const pp = line.cells[`pp${report.settings.promptTokens[0]}`]?.cpuPerWall?.median;
  const tg = line.cells[`tg${Math.max(...report.settings.genTokens)}`]?.cpuPerWall?.median;
  const f = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : "—");
  return `${f(pp)} / ${f(tg)}`;
}

const gbs = (list: { gbPerS: number; threads: number }[]) => (list.length ? list.map((b) => `${b.gbPerS.toFixed(1)}@${b.threads}t`).join(" ") : "—");

/** One line per round: number, start (UTC time), seconds, read bandwidth before it, its jobs in order with the 1-thread bandwidth before each. */
export function roundLines(report: BenchReport): string[][] {
  return report.rounds.map((r) => [
    String(r.round),
    r.startedAt.slice(11, 19),
    r.seconds.toFixed(0),
    gbs(r.bandwidth),
    r.jobs.map((j) => `${report.settings.models.length > 1 ? `${j.model} ` : ""}${j.id}${j.outcome === "skipped" ? " (skipped)" : ` ${j.bandwidth1t?.toFixed(1) ?? "?"}`}${j.outcome === "failed" || j.outcome === "partial" ? ` ${j.outcome}` : ""}`).join(", "),
  ]);
}

export const ROUND_HEADER = ["round", "start", "s", "read GB/s", "jobs in the order they ran (read GB/s at 1 thread just before each)"];

/** How the samples were taken, for the table captions. */
export function orderText(report: BenchReport): string {
  const s = report.settings;
  return s.order === "interleaved"
    ? `${s.repetitions} interleaved round(s): each engine·file once per round, order rotated from round to round`
    : `back to back: each engine·file ${s.repetitions} time(s) in a row, one engine after another`;
}

/** A list of per-round ratios: "1.21 1.35 —". */
export function perRoundText(xs: (number | null)[] | undefined): string {
  return xs && xs.length ? xs.map((x) => (x === null ? "—" : x.toFixed(2))).join(" ") : "—";
}

/** The median of each thread count's bandwidth over the rounds (falls back to the start-of-run probe). */
export function typicalBandwidth(report: BenchReport): Map<number, number> {
  const by = new Map<number, number[]>();
  for (const r of report.rounds) for (const b of r.bandwidth) by.set(b.threads, [...(by.get(b.threads) ?? []), b.gbPerS]);
  if (by.size === 0) return new Map(report.machine.bandwidth.map((b) => [b.threads, b.gbPerS]));
  return new Map([...by].map(([t, xs]) => [t, spread(xs).median]));
}

export function machineLine(report: BenchReport): string {
  const m = report.machine;
  const bw = m.bandwidth.length ? m.bandwidth.map((b) => `${b.gbPerS.toFixed(1)} GB/s @${b.threads}t`).join(", ") : "not measured";
  return `${m.cpuModel} · ${m.physicalCores ?? "?"} cores / ${m.logicalCores} threads · ${m.memoryGiB} GiB · ISA ${m.isa ?? "?"}${m.amx ? " + AMX" : ""} · read bandwidth at start ${bw} · loadavg ${m.loadavg.join(" ")}`;
}
