import type { BenchRow } from "../engines/types.js";
import { formatSpread } from "../stats.js";
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

export function machineLine(report: BenchReport): string {
  const m = report.machine;
  const bw = m.bandwidth.length ? m.bandwidth.map((b) => `${b.gbPerS.toFixed(1)} GB/s @${b.threads}t`).join(", ") : "not measured";
  return `${m.cpuModel} · ${m.physicalCores ?? "?"} cores / ${m.logicalCores} threads · ${m.memoryGiB} GiB · ISA ${m.isa ?? "?"} · read bandwidth ${bw} · loadavg ${m.loadavg.join(" ")}`;
}
