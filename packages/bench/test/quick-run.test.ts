import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "../src/run.js";
import { workerPath } from "../src/engines/spawn.js";

const dir = mkdtempSync(join(tmpdir(), "rb-quick-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The engines run in child processes from the built bundle (dist/worker.js); `pnpm test` builds first.
const worker = join(new URL("../dist/", import.meta.url).pathname, "worker.js");

describe("quick run on the tiny model", () => {
  it.skipIf(!existsSync(worker))(`runs Ryzen and node-llama-cpp in 2 interleaved rounds and writes JSON + HTML${existsSync(worker) ? "" : " (SKIPPED: dist/worker.js not built)"}`, async () => {
    process.env.RYZEN_BENCH_WORKER = worker;
    const out = await runBench({
      quick: true,
      threads: [1],
      repetitions: 2,
      cpuMinWallMs: 0, // the tiny model's runs take milliseconds: record their CPU/wall anyway
      engines: ["ryzen", "node-llama-cpp"],
      outDir: join(dir, "out"),
      cacheDir: join(dir, "cache"),
      kernels: false,
      tokenizer: false,
      log: () => {},
    });
    const report = JSON.parse(readFileSync(out.jsonPath, "utf8"));
    expect(report.settings.models).toEqual(["tiny"]);
    const nlc = report.rows.filter((r: { engine: string }) => r.engine === "node-llama-cpp");
    expect(nlc.map((r: { test: string }) => r.test).sort()).toEqual(["pp16", "tg8", "ttft"]);
    expect(nlc.every((r: { status: string }) => r.status === "ok"), JSON.stringify(nlc)).toBe(true);
    const ryzen = report.rows.filter((r: { engine: string }) => r.engine === "ryzen");
    expect(ryzen.length).toBeGreaterThan(0);
    expect(ryzen.every((r: { status: string }) => r.status === "ok"), `Ryzen rows: ${JSON.stringify(ryzen.map((r: { status: string; reason?: string }) => [r.status, r.reason]))}`).toBe(true);
    expect(report.ratios.length).toBeGreaterThan(0);
    // two rounds, the second in the other order; every row's median spans both
    expect(report.rounds.map((r: { jobs: { id: string }[] }) => r.jobs.map((j) => j.id))).toEqual([
      ["ryzen tq2_0", "node-llama-cpp tq2_0"],
      ["node-llama-cpp tq2_0", "ryzen tq2_0"],
    ]);
    for (const r of [...ryzen, ...nlc]) {
      expect(r.rounds, `${r.engine} ${r.test}`).toHaveLength(2);
      expect((r.tokensPerS ?? r.ms).samples).toHaveLength(2);
    }
    // effective threads recorded for both in-process engines' decode
    for (const r of [...ryzen, ...nlc].filter((x: { test: string }) => x.test === "tg8")) expect(Number.isFinite(r.cpuPerWall?.median), `${r.engine}`).toBe(true);
    expect(report.goals.every((g: { status: string }) => ["PASS", "FAIL", "N/A"].includes(g.status))).toBe(true);
    expect(readFileSync(out.htmlPath, "utf8")).toContain("<svg");
    expect(out.terminal).toContain("node-llama-cpp");
  });
});
