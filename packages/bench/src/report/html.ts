import type { BenchRow } from "../engines/types.js";
import type { BenchReport } from "../run.js";
import { cellText, cellValue, cpuText, machineLine, orderText, perRoundText, ROUND_HEADER, roundLines, tableLines, testColumns, typicalBandwidth } from "./cells.js";
import { esc, groupedBarChart, horizontalBarChart, type Bar, type BarGroup } from "./svg.js";
import { OVER_PREDICTED } from "../profile.js";

const ENGINE_COLORS: Record<string, string[]> = {
  ryzen: ["#d6452b", "#f08a4b", "#f5b971", "#b23a48"],
  "node-llama-cpp": ["#3a6ea5", "#6a9fd4"],
  "llama.cpp": ["#2a9d8f", "#76c7b7"],
  "bitnet.cpp": ["#7b4fa0", "#a987c9"],
  "ik_llama.cpp": ["#5c7a29", "#9bbf5a"],
};

/** Stable colour per engine·format series. */
function colorFor(engine: string, format: string, formats: string[]): string {
  const palette = ENGINE_COLORS[engine] ?? ["#777"];
  return palette[Math.max(0, formats.indexOf(format)) % palette.length];
}

function seriesOf(rows: BenchRow[]): { engine: string; format: string; color: string }[] {
  const seen = new Map<string, { engine: string; format: string; color: string }>();
  const byEngine = new Map<string, string[]>();
  for (const r of rows) {
    const list = byEngine.get(r.engine) ?? [];
    if (!list.includes(r.format)) list.push(r.format);
    byEngine.set(r.engine, list);
  }
  for (const r of rows) {
    const key = `${r.engine}·${r.format}`;
    if (!seen.has(key)) seen.set(key, { engine: r.engine, format: r.format, color: colorFor(r.engine, r.format, byEngine.get(r.engine)!) });
  }
  return [...seen.values()];
}

function find(rows: BenchRow[], engine: string, format: string, test: string, threads: number): BenchRow | undefined {
  return rows.find((r) => r.engine === engine && r.format === format && r.test === test && r.threads === threads);
}

function bar(r: BenchRow | undefined, label: string, color: string): Bar {
  const v = cellValue(r);
  return { label, color, value: v, min: r?.tokensPerS?.min, max: r?.tokensPerS?.max };
}

/** tok/s by thread count: one group per thread count, one bar per engine·format. */
function threadChart(report: BenchReport, model: string, test: string): string {
  const rows = report.rows.filter((r) => r.model === model);
  const series = seriesOf(rows);
  const groups: BarGroup[] = report.settings.threads.map((t) => ({
    label: `${t} thread${t > 1 ? "s" : ""}`,
    bars: series.map((s) => bar(find(rows, s.engine, s.format, test, t), `${s.engine} ${s.format}`, s.color)),
  }));
  return groupedBarChart({ title: `${model} ${test}: tok/s by thread count`, unit: "tok/s", groups, width: Math.max(560, 90 * series.length * report.settings.threads.length) });
}

/** Ryzen pp/tg per weight format at the highest thread count. */
function formatChart(report: BenchReport, model: string): string {
  const t = Math.max(...report.settings.threads);
  const rows = report.rows.filter((r) => r.model === model && r.engine === "ryzen");
  const formats = [...new Set(rows.map((r) => r.format))];
  const tests = testColumns(report).filter((c) => c !== "ttft");
  const palette = ["#d6452b", "#f08a4b", "#3a6ea5", "#6a9fd4"];
  const groups: BarGroup[] = formats.map((f) => ({ label: f, bars: tests.map((test, i) => bar(find(rows, "ryzen", f, test, t), test, palette[i % palette.length])) }));
  return groupedBarChart({ title: `${model}: Ryzen pp/tg per weight type (${t} threads)`, unit: "tok/s", groups });
}

const GOAL_TARGETS: { test: (r: BenchReport) => string; threads: number; target: number }[] = [
  { test: (r) => `tg${Math.max(...r.settings.genTokens)}`, threads: 2, target: 1.2 },
  { test: (r) => `tg${Math.max(...r.settings.genTokens)}`, threads: 1, target: 1.5 },
  { test: (r) => (r.settings.promptTokens.includes(128) ? "pp128" : `pp${r.settings.promptTokens[0]}`), threads: 2, target: 1.5 },
];

function ratioChart(report: BenchReport, model: string): string {
  const ratios = report.ratios.filter((r) => r.model === model);
  if (ratios.length === 0) return `<p class="muted">No Ryzen/peer ratios for ${esc(model)}: a ratio needs both Ryzen and a peer measured on the same test and thread count.</p>`;
  const bars = ratios.map((r) => {
    const goal = GOAL_TARGETS.find((g) => g.test(report) === r.test && g.threads === r.threads);
    const v = r.pairedRatio ?? r.ratio;
    return {
      label: `${r.test} ${r.threads}t vs ${r.peer} ${r.peerFormat}`,
      value: v,
      color: v >= (goal?.target ?? 1) ? "#2a9d8f" : "#d6452b",
      target: goal?.target,
    };
  });
  return horizontalBarChart({ title: `${model}: Ryzen / peer, paired by round (1.0 = parity; ticks = goals; axis capped at 4×)`, bars, unit: "×", reference: 1, cap: 4 });
}

/** Decode bytes per token ≈ the whole file (tied head is read in full each token); vs measured read bandwidth. */
function bandwidthChart(report: BenchReport, model: string): string {
  const bw = typicalBandwidth(report);
  const tg = `tg${Math.max(...report.settings.genTokens)}`;
  const rows = report.rows.filter((r) => r.model === model && r.test === tg && r.status === "ok" && r.fileBytes);
  if (rows.length === 0) return `<p class="muted">No decode rows to relate to bandwidth.</p>`;
  if (bw.size === 0) return `<p class="muted">Read bandwidth was not measured in this run (${esc(report.machine.notes.join("; "))}); effective decode GB/s: ${rows.map((r) => `${esc(r.engine)} ${esc(r.format)} ${r.threads}t ${((cellValue(r)! * r.fileBytes!) / 1e9).toFixed(1)} GB/s`).join(", ")}.</p>`;
  const bars = rows.map((r) => {
    const gbs = (cellValue(r)! * r.fileBytes!) / 1e9;
    const peak = bw.get(r.threads);
    return { label: `${r.engine} ${r.format} ${r.threads}t (${gbs.toFixed(1)} GB/s)`, value: peak ? (100 * gbs) / peak : undefined, color: r.engine === "ryzen" ? "#d6452b" : "#3a6ea5" };
  });
  return horizontalBarChart({ title: `${model} decode: effective weight bandwidth, % of measured read bandwidth (median over rounds)`, bars, unit: "%", reference: 100 });
}

function mainTable(report: BenchReport, model: string): string {
  const cols = testColumns(report);
  const lines = tableLines(report).filter((l) => l.model === model);
  const head = `<tr><th>engine</th><th>format</th><th>threads</th>${cols.map((c) => `<th>${esc(c === "ttft" ? "TTFT ms" : `${c} tok/s`)}</th>`).join("")}<th>cpu/wall pp / tg</th><th>peak RSS MB</th><th>note</th></tr>`;
  const body = lines
    .map((l) => `<tr class="${l.engine === "ryzen" ? "ry" : ""}"><td>${esc(l.engine)}</td><td>${esc(l.format)}</td><td>${l.threads}</td>${cols.map((c) => `<td class="num ${l.cells[c]?.status ?? ""}">${esc(cellText(l.cells[c]))}</td>`).join("")}<td class="num">${esc(cpuText(l, report))}</td><td class="num">${l.peakRssMb ?? "—"}</td><td class="note">${esc(l.problem ?? "")}</td></tr>`)
    .join("");
  return `<table>${head}${body}</table>`;
}

const fixed2 = (x: number | null | undefined) => (x === undefined || x === null ? "—" : x.toFixed(2));

function goalsTable(report: BenchReport): string {
  const body = report.goals
    .map((g) => `<tr><td>${esc(g.description)}</td><td class="num">${g.target}</td><td class="num">${fixed2(g.measured)}</td><td class="num">${fixed2(g.ratioOfMedians)}</td><td class="num">${esc(perRoundText(g.perRound))}</td><td class="${g.status}">${g.status}</td><td class="note">${esc(g.detail)}</td></tr>`)
    .join("");
  return `<p class="muted">PASS/FAIL is decided on the paired figure: the median over rounds of each round's ratio (Ryzen's best format against the best peer, both chosen by their medians, in the same round), so engines are compared within the same minutes. The ratio of the overall medians is shown beside it.</p><table><tr><th>goal (${esc(report.goalModel)})</th><th>target</th><th>paired</th><th>ratio of medians</th><th>per round</th><th>result</th><th>detail</th></tr>${body}</table>`;
}

function roundsTable(report: BenchReport): string {
  if (report.rounds.length === 0) return `<p class="muted">No rounds ran.</p>`;
  return `<p class="muted">${esc(orderText(report))}. Read bandwidth is measured before each round at every thread count, and at 1 thread before each job: this machine switches between memory-bandwidth states from minute to minute.</p><table><tr>${ROUND_HEADER.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${roundLines(report)
    .map((cells) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</table>`;
}

function genericTable(rows: Record<string, unknown>[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? ""));
  return `<table><tr>${keys.map((k) => `<th>${esc(k)}</th>`).join("")}</tr>${rows.map((r) => `<tr>${keys.map((k) => `<td>${esc(cell(r[k]))}</td>`).join("")}</tr>`).join("")}</table>`;
}

const CSS = `body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ddd;padding:3px 7px;text-align:left}th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}tr.ry td{background:#fff5f2}.PASS{background:#d8f3dc;font-weight:600}.FAIL{background:#ffd6d6;font-weight:600}.N\\/A{color:#777}
td.cannot-load,td.failed,td.not-run{color:#b00}.note{color:#666;font-size:12px;max-width:420px}.muted{color:#777}
.charts{display:flex;flex-wrap:wrap;gap:16px}svg{background:#fcfcfc;border:1px solid #eee}
svg .ct{font-size:13px;font-weight:600}svg .ax{font-size:11px;fill:#444}svg .lg{font-size:11px;fill:#333}svg .na{font-size:12px;fill:#b00}
svg .grid{stroke:#e6e6e6}svg .ref{stroke:#222;stroke-dasharray:4 3}svg .err{stroke:#222}svg .tgt{stroke:#000;stroke-width:2}
pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px}`;

/** The self-contained HTML report: inline CSS and SVG only, no scripts, no network. */
export function renderHtml(report: BenchReport): string {
  const m = report.machine;
  const sections: string[] = [];
  sections.push(`<h1>Ryzen LLM benchmark</h1><p>${esc(report.mode)} run · ${esc(report.startedAt)} → ${esc(report.finishedAt)} · <code>${esc(report.command)}</code></p>`);
  sections.push(`<p><b>Machine:</b> ${esc(machineLine(report))}<br><b>CPU flags:</b> ${esc(m.flags.join(" ") || "unknown")} · ISA paths: ${esc(m.isaAvailable.join(", ") || "?")} · ${esc(m.kernel)} · Node ${esc(m.node)}<br>
<b>Read bandwidth after the runs:</b> ${report.bandwidthAfter.length ? esc(report.bandwidthAfter.map((b) => `${b.gbPerS.toFixed(1)} GB/s @${b.threads}t`).join(", ")) : "not measured"}<br>
<b>Settings:</b> ${esc(`models ${report.settings.models.join(", ")}; Ryzen formats ${report.settings.types.join(", ")}; threads ${report.settings.threads.join(", ")}; ${orderText(report)}, median (min–max); prompt ${report.settings.promptTokens.join("/")}, generate ${report.settings.genTokens.join("/")}, TTFT prompt ${report.settings.ttftPromptTokens}; seed ${report.settings.seed}`)}</p>`);
  sections.push(`<h2>Goals</h2>${goalsTable(report)}`);
  sections.push(`<h2>Rounds and machine state</h2>${roundsTable(report)}`);
  for (const model of report.settings.models) {
    const rows = report.rows.filter((r) => r.model === model);
    if (rows.length === 0) continue;
    const pp = report.settings.promptTokens.map((n) => `pp${n}`);
    const tg = report.settings.genTokens.map((n) => `tg${n}`);
    sections.push(`<h2>${esc(model)}</h2>${mainTable(report, model)}`);
    sections.push(`<div class="charts">${[pp[0], tg[tg.length - 1]].map((t) => threadChart(report, model, t)).join("")}${formatChart(report, model)}</div>`);
    sections.push(`<h3>Ratios against the peers</h3>${ratioChart(report, model)}`);
    sections.push(`<h3>Bandwidth utilisation</h3>${bandwidthChart(report, model)}`);
  }
  if (report.budget.length) {
    sections.push(`<h2>Where Ryzen's time goes</h2><p class="muted">Measured time per decode token / per 128-token prompt against the matmul time the kernel microbenchmarks of this run predict (per-shape GEMV/GEMM × occurrences in 30 layers + Q6_K head); the remainder is norms, RoPE, attention, activation quantization, synchronisation and JS.</p><table><tr><th>phase</th><th>format</th><th>threads</th><th>measured ms</th><th>matmul ms</th><th>matmul share</th><th>GB read / token</th><th>effective GB/s</th></tr>${report.budget.map((b) => `<tr><td>${b.phase}</td><td>${esc(b.format)}</td><td>${b.threads}</td><td class="num">${b.measuredMs.toFixed(1)}</td><td class="num">${b.matmulMs.toFixed(1)}</td><td class="num">${(100 * b.matmulFraction).toFixed(0)} %${b.overPredicted ? " *" : ""}</td><td class="num">${b.bytesPerToken ? (b.bytesPerToken / 1e9).toFixed(2) : "—"}</td><td class="num">${b.effectiveGBs?.toFixed(1) ?? "—"}</td></tr>`).join("")}</table>${report.budget.some((b) => b.overPredicted) ? `<p class="muted">${esc(OVER_PREDICTED)}</p>` : ""}`);
  }
  sections.push(`<h2>Model files</h2><table><tr><th>file</th><th>shape</th><th>format</th><th>MiB</th><th>generated</th></tr>${report.models.map((g) => `<tr><td>${esc(g.path)}</td><td>${esc(g.model)}</td><td>${esc(g.weightType)} + ${esc(g.headType)} head</td><td class="num">${(g.bytes / 2 ** 20).toFixed(0)}</td><td>${g.cached ? "cached" : `${g.seconds.toFixed(1)} s`}</td></tr>`).join("")}</table>`);
  sections.push(`<h2>Peers</h2><table><tr><th>engine</th><th>status</th><th>detail</th></tr><tr><td>node-llama-cpp</td><td>npm 3.22.1 prebuilt</td><td>through its API, same lengths and threads</td></tr>${report.peers.map((p) => `<tr><td>${esc(p.engine)}</td><td>${esc(p.status)}</td><td>${esc(p.detail)}</td></tr>`).join("")}</table>`);
  sections.push(`<h2>Kernel microbenchmarks</h2>${report.kernels.status === "ok" && report.kernels.rows.length ? genericTable(report.kernels.rows) : `<p class="muted">${esc(report.kernels.status)}: ${esc(report.kernels.reason ?? "no rows")}</p>`}`);
  sections.push(`<h2>Tokenizer</h2>${report.tokenizer.status === "ok" ? `<pre>${esc(report.tokenizer.text ?? JSON.stringify(report.tokenizer.result, null, 2))}</pre>` : `<p class="muted">${esc(report.tokenizer.status)}: ${esc(report.tokenizer.reason ?? "")}</p>`}`);
  const notes = [...report.notes, ...m.notes];
  if (notes.length) sections.push(`<h2>Notes</h2><ul>${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ryzen LLM benchmark ${esc(report.startedAt)}</title><style>${CSS}</style></head><body>${sections.join("\n")}</body></html>\n`;
}
