import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderHtml } from "../src/report/html.js";
import { renderTerminal } from "../src/report/terminal.js";
import { OVER_PREDICTED } from "../src/profile.js";
import { spread } from "../src/stats.js";
import { sampleRows, syntheticReport } from "./helpers/fixtures.js";
import { decodePng, inkFraction } from "./helpers/png.js";

const dir = mkdtempSync(join(tmpdir(), "rb-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function findChromium(): string | undefined {
  for (const bin of ["chromium", "chromium-browser", "google-chrome"]) {
    const r = spawnSync("which", [bin], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

describe("report", () => {
  const report = syntheticReport(sampleRows());

  it("renders a self-contained HTML page with charts, goals and escaped text", () => {
    const html = renderHtml(report);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i); // nothing fetched from the network
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("AMD Test &lt;CPU&gt; &amp; co");
    expect(html).toContain("ISA avx512 · read bandwidth"); // no AMX in the fixture
    expect(renderHtml({ ...report, machine: { ...report.machine, amx: true } })).toContain("ISA avx512 + AMX · read bandwidth");
    expect(html).toContain('class="FAIL"'); // decode at 2 threads misses 1.2× in the fixture
    expect(html).toContain('class="PASS"');
    expect(html).toContain("cannot load");
    expect(html).toContain("tq2_0.vnni"); // kernel rows folded in
    // rounds with the machine state, and goals decided on the paired figure
    expect(html).toContain("Rounds and machine state");
    expect(html).toContain("llama.cpp tq2_0 34.0, ryzen tq2_0 34.2");
    expect(html).toContain("23.5@1t 27.5@2t");
    expect(html).toContain("<th>paired</th><th>ratio of medians</th><th>per round</th>");
  });

  it("prints the terminal table with ratios and goals", () => {
    const text = renderTerminal(report);
    expect(text).toMatch(/ryzen\s+tq2_0\s+2\s+158\.0 \(150\.0–160\.0\)/);
    expect(text).toContain("1.45×"); // 40 / 27.6
    expect(text).toMatch(/FAIL\s+decode \(tg128\) ≥ 1\.2× best peer at 2 threads\s+1\.2\s+1\.16\s+1\.16\s+Ryzen tq2_0 vs best peer ik_llama\.cpp iq2_bn: round 1 1\.16 \(40\.0 \/ 34\.6\); medians 40\.0 vs 34\.6 tok\/s = 1\.16/);
    expect(text).toMatch(/^2\s+00:02:00\s+118\s+34\.1@1t 38\.1@2t\s+llama\.cpp tq2_0 34\.0, ryzen tq2_0 34\.2$/m);
    expect(text).toContain("over 3 interleaved round(s)"); // the caption follows the settings
  });

  it("shows effective threads (CPU time / wall time) per engine line", () => {
    const rows = sampleRows().map((r) => (r.engine === "ryzen" && r.test === "tg128" && r.threads === 1 ? { ...r, cpuPerWall: spread([0.99, 1.01]) } : r));
    const text = renderTerminal(syntheticReport(rows));
    expect(text).toMatch(/ryzen\s+tq2_0\s+1\s+.*—\s\/\s1\.00\s+900/);
  });

  it("marks a time-budget row whose matmul prediction exceeds the step, with the footnote", () => {
    const plain = renderTerminal(report);
    expect(plain).not.toContain(OVER_PREDICTED);
    const over = { ...report, budget: [{ ...report.budget[0], matmulMs: 40, matmulFraction: 1.6, overPredicted: true }] };
    expect(renderTerminal(over)).toMatch(/160% \*/);
    expect(renderTerminal(over)).toContain(OVER_PREDICTED);
    expect(renderHtml(over)).toContain("160 % *");
  });

  const chromium = findChromium();
  it.skipIf(!chromium)(`renders in headless Chromium to a non-blank screenshot${chromium ? "" : " (SKIPPED: no chromium on PATH; apt-get install chromium)"}`, () => {
    const htmlPath = join(dir, "report.html");
    const png = join(dir, "shot.png");
    writeFileSync(htmlPath, renderHtml(report));
    const r = spawnSync(
      chromium!,
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", `--user-data-dir=${join(dir, "profile")}`, `--screenshot=${png}`,
        "--window-size=1280,2000", `file://${htmlPath}`,
      ],
      { encoding: "utf8", timeout: 90_000 },
    );
    expect(existsSync(png), `chromium exited ${r.status}: ${r.stderr?.slice(-500)}`).toBe(true);
    const img = decodePng(readFileSync(png));
    expect(img.width).toBe(1280);
    expect(inkFraction(img)).toBeGreaterThan(0.01); // text, tables and bars, not a blank page
  });
});
