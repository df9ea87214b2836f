import type { BenchReport } from "../run.js";
import { cellText, cpuText, machineLine, orderText, perRoundText, ROUND_HEADER, roundLines, tableLines, testColumns } from "./cells.js";
import { OVER_PREDICTED } from "../profile.js";

/** Plain-text table; the first `leftCols` columns (and those listed in `alsoLeft`) are left-aligned, numbers right-aligned. */
function table(header: string[], body: string[][], leftCols = 3, alsoLeft: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const left = (i: number) => i < leftCols || alsoLeft.includes(i);
  const fmt = (cells: string[]) => cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(fmt)].join("\n");
}

/** The terminal summary: machine, per-engine table (tok/s, TTFT ms), ratios, goals. */
export function renderTerminal(report: BenchReport): string {
  const out: string[] = [];
  out.push(`ryzen-bench (${report.mode}) ${report.startedAt}`);
  out.push(machineLine(report));
  const cols = testColumns(report);
  for (const model of report.settings.models) {
    const lines = tableLines(report).filter((l) => l.model === model);
    if (lines.length === 0) continue;
    out.push("", `${model} — tok/s median (min–max) over ${orderText(report)}; ttft in ms; cpu/wall = effective threads`);
    out.push(
      table(
        ["engine", "format", "thr", ...cols, "cpu/wall pp / tg", "RSS MB"],
        lines.map((l) => [l.engine, l.format, String(l.threads), ...cols.map((c) => cellText(l.cells[c])), cpuText(l, report), l.peakRssMb !== undefined ? String(l.peakRssMb) : "—"]),
      ),
    );
    const problems = lines.filter((l) => l.problem);
    for (const p of problems) out.push(`  ${p.engine} ${p.format} ${p.threads}t: ${p.problem}`);
  }
  if (report.rounds.length) {
    out.push("", `Rounds (${orderText(report)})`);
    out.push(table(ROUND_HEADER, roundLines(report), 2, [ROUND_HEADER.length - 1]));
  }
  if (report.ratios.length) {
    out.push("", "Ryzen / peer (same run; >1 = Ryzen faster; paired = median over rounds of each round's ratio)");
    out.push(
      table(
        ["peer", "peer fmt", "test", "thr", "ryzen fmt", "ryzen", "peer", "ratio of medians", "paired", "per round"],
        report.ratios.map((r) => [r.peer, r.peerFormat, r.test, String(r.threads), r.ryzenFormat, r.ryzen.toFixed(1), r.peerValue.toFixed(1), `${r.ratio.toFixed(2)}×`, r.pairedRatio === null ? "—" : `${r.pairedRatio.toFixed(2)}×`, perRoundText(r.perRound)]),
      ),
    );
  }
  out.push("", `Goals (${report.goalModel}; decided on "paired": the median over rounds of each round's ratio, Ryzen's best format vs the best peer, both chosen by median)`);
  const goalLines = table(
    ["result", "goal", "target", "paired", "ratio of medians"],
    report.goals.map((g) => [g.status, g.description, String(g.target), g.measured === null ? "—" : g.measured.toFixed(2), g.ratioOfMedians === undefined || g.ratioOfMedians === null ? "—" : g.ratioOfMedians.toFixed(2)]),
    2,
  ).split("\n");
  out.push(...goalLines.map((l, i) => (i < 2 ? l : `${l}  ${report.goals[i - 2].detail}`)));
  if (report.budget.length) {
    out.push("", "Where Ryzen's time goes (bitnet-2b4t; matmul time predicted by the kernel microbenchmarks of this run)");
    out.push(
      table(
        ["phase", "format", "thr", "measured ms", "matmul ms", "matmul %", "GB/token", "eff. GB/s"],
        report.budget.map((b) => [b.phase, b.format, String(b.threads), b.measuredMs.toFixed(1), b.matmulMs.toFixed(1), `${(100 * b.matmulFraction).toFixed(0)}%${b.overPredicted ? " *" : ""}`, b.bytesPerToken ? (b.bytesPerToken / 1e9).toFixed(2) : "—", b.effectiveGBs?.toFixed(1) ?? "—"]),
      ),
    );
    if (report.budget.some((b) => b.overPredicted)) out.push(OVER_PREDICTED);
  }
  for (const p of report.peers) if (p.status !== "used") out.push(`peer ${p.engine}: ${p.status} (${p.detail})`);
  if (report.kernels.status !== "ok") out.push(`kernel microbenchmarks: ${report.kernels.status} (${report.kernels.reason})`);
  else out.push("", "Kernel microbenchmarks (@ryzen/kernels bench)", report.kernels.text ?? `${report.kernels.rows.length} rows (see HTML/JSON)`);
  if (report.tokenizer.status === "ok" && report.tokenizer.text) out.push("", report.tokenizer.text);
  else out.push(`tokenizer benchmark: ${report.tokenizer.status} (${report.tokenizer.reason ?? ""})`);
  for (const n of [...report.notes, ...report.machine.notes]) out.push(`note: ${n}`);
  return out.join("\n");
}
