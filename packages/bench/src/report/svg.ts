/** Minimal inline-SVG charts (no scripts, no network): grouped vertical bars and horizontal bars. */

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface Bar {
  label: string;
  value: number | undefined;
  color: string;
  /** optional error range */
  min?: number;
  max?: number;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Grouped vertical bar chart with a legend of the series (bar labels of the first group). */
export function groupedBarChart(opts: { title: string; unit: string; groups: BarGroup[]; width?: number; height?: number; refLine?: { value: number; label: string } }): string {
  const width = opts.width ?? 560;
  // legend: series of the group with the most bars, wrapped onto as many lines as it needs
  const series = opts.groups.reduce<Bar[]>((a, g) => (g.bars.length > a.length ? g.bars : a), []);
  const legend: { bar: Bar; x: number; line: number }[] = [];
  let lx = 52;
  let line = 0;
  for (const b of series) {
    const w = 22 + b.label.length * 6.2;
    if (lx + w > width - 8 && lx > 52) {
      line++;
      lx = 52;
    }
    legend.push({ bar: b, x: lx, line });
    lx += w;
  }
  const legendLines = series.length ? line + 1 : 0;
  const height = (opts.height ?? 300) + 16 * Math.max(0, legendLines - 1);
  const pad = { top: 36, right: 12, bottom: 40 + 16 * legendLines, left: 52 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const values = opts.groups.flatMap((g) => g.bars.flatMap((b) => [b.value ?? 0, b.max ?? 0]));
  const top = niceMax(Math.max(...values, opts.refLine?.value ?? 0));
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title)}">`);
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" class="ct">${esc(opts.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end" class="ax">${fmt(v)}</text>`);
  }
  parts.push(`<text x="14" y="${pad.top + plotH / 2}" transform="rotate(-90 14 ${pad.top + plotH / 2})" text-anchor="middle" class="ax">${esc(opts.unit)}</text>`);
  const groupW = plotW / Math.max(1, opts.groups.length);
  opts.groups.forEach((g, gi) => {
    const n = Math.max(1, g.bars.length);
    const barW = Math.min(36, (groupW * 0.8) / n);
    const x0 = pad.left + gi * groupW + (groupW - barW * n) / 2;
    g.bars.forEach((b, bi) => {
      const x = x0 + bi * barW;
      if (b.value === undefined || !Number.isFinite(b.value)) {
        parts.push(`<text x="${x + barW / 2}" y="${y(0) - 4}" text-anchor="middle" class="na">×</text>`);
        return;
      }
      parts.push(`<rect x="${x + 1}" y="${y(b.value)}" width="${barW - 2}" height="${Math.max(0, y(0) - y(b.value))}" fill="${b.color}"><title>${esc(`${g.label} · ${b.label}: ${fmt(b.value)} ${opts.unit}`)}</title></rect>`);
      if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
        parts.push(`<line x1="${x + barW / 2}" x2="${x + barW / 2}" y1="${y(b.max)}" y2="${y(b.min)}" class="err"/>`);
      }
    });
    parts.push(`<text x="${pad.left + gi * groupW + groupW / 2}" y="${height - pad.bottom + 16}" text-anchor="middle" class="ax">${esc(g.label)}</text>`);
  });
  if (opts.refLine) {
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(opts.refLine.value)}" y2="${y(opts.refLine.value)}" class="ref"/>`);
    parts.push(`<text x="${width - pad.right}" y="${y(opts.refLine.value) - 4}" text-anchor="end" class="ax">${esc(opts.refLine.label)}</text>`);
  }
  for (const { bar: b, x: bx, line: l } of legend) {
    const ly = height - pad.bottom + 36 + 16 * l;
    parts.push(`<rect x="${bx}" y="${ly - 9}" width="10" height="10" fill="${b.color}"/><text x="${bx + 14}" y="${ly}" class="lg">${esc(b.label)}</text>`);
  }
  parts.push("</svg>");
  return parts.join("");
}

/** Horizontal bars (e.g. ratios) with a reference line (1.0×) and optional per-bar target ticks. */
export function horizontalBarChart(opts: { title: string; bars: (Bar & { target?: number })[]; unit: string; reference?: number; width?: number; cap?: number }): string {
  const width = opts.width ?? 720;
  const rowH = 22;
  const pad = { top: 34, right: 60, bottom: 24, left: 300 };
  const height = pad.top + pad.bottom + rowH * Math.max(1, opts.bars.length);
  const plotW = width - pad.left - pad.right;
  // bars beyond `cap` are clipped at the edge (their label keeps the true value)
  const top = niceMax(Math.min(opts.cap ?? Infinity, Math.max(...opts.bars.map((b) => Math.max(b.value ?? 0, b.target ?? 0)), opts.reference ?? 0)));
  const x = (v: number) => pad.left + (Math.min(v, top) / top) * plotW;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title)}">`);
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" class="ct">${esc(opts.title)}</text>`);
  opts.bars.forEach((b, i) => {
    const yy = pad.top + i * rowH;
    parts.push(`<text x="${pad.left - 6}" y="${yy + 15}" text-anchor="end" class="ax">${esc(b.label)}</text>`);
    if (b.value === undefined || !Number.isFinite(b.value)) {
      parts.push(`<text x="${pad.left + 4}" y="${yy + 15}" class="na">not measured</text>`);
      return;
    }
    parts.push(`<rect x="${pad.left}" y="${yy + 3}" width="${Math.max(1, x(b.value) - pad.left)}" height="${rowH - 6}" fill="${b.color}"><title>${esc(`${b.label}: ${fmt(b.value)}${opts.unit}`)}</title></rect>`);
    parts.push(`<text x="${x(b.value) + 4}" y="${yy + 15}" class="ax">${fmt(b.value)}${esc(opts.unit)}</text>`);
    if (b.target !== undefined) parts.push(`<line x1="${x(b.target)}" x2="${x(b.target)}" y1="${yy + 1}" y2="${yy + rowH - 1}" class="tgt"/>`);
  });
  if (opts.reference !== undefined) {
    parts.push(`<line x1="${x(opts.reference)}" x2="${x(opts.reference)}" y1="${pad.top - 4}" y2="${height - pad.bottom}" class="ref"/>`);
  }
  parts.push("</svg>");
  return parts.join("");
}
