// --isa: Ryzen on a narrower instruction set (RYZEN_ISA, set before @ryzen/kernels loads — hence a
// file of its own: each test file runs in a fresh process), node-llama-cpp left out.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cpuInfo } from "@ryzen/kernels";
import { runBench } from "../src/run.js";

const dir = mkdtempSync(join(tmpdir(), "rb-isa-"));
const prevIsa = process.env.RYZEN_ISA;
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (prevIsa === undefined) delete process.env.RYZEN_ISA;
  else process.env.RYZEN_ISA = prevIsa;
});

const worker = join(new URL("../dist/", import.meta.url).pathname, "worker.js");

describe("--isa", () => {
  it("rejects an instruction set it does not know before running anything", async () => {
    await expect(runBench({ quick: true, isa: "sse4" as never, log: () => {} })).rejects.toThrow(/isa must be one of avx2, avx512/);
  });

  const canRun = existsSync(worker) && cpuInfo().available.includes("avx2");
  it.skipIf(!canRun)(`avx2: Ryzen runs its AVX2 path, node-llama-cpp is left out${canRun ? "" : " (SKIPPED: no dist/worker.js or no AVX2)"}`, async () => {
    process.env.RYZEN_BENCH_WORKER = worker;
    const out = await runBench({
      quick: true, threads: [1], repetitions: 1, cpuMinWallMs: 0, isa: "avx2",
      engines: ["ryzen", "node-llama-cpp"], outDir: join(dir, "out"), cacheDir: join(dir, "cache"),
      kernels: false, tokenizer: false, log: () => {},
    });
    const report = JSON.parse(readFileSync(out.jsonPath, "utf8"));
    expect(report.machine.isa).toBe("avx2");
    expect(report.rows.some((r: { engine: string }) => r.engine === "node-llama-cpp")).toBe(false);
    const ryzen = report.rows.filter((r: { engine: string }) => r.engine === "ryzen");
    expect(ryzen.length).toBeGreaterThan(0);
    expect(ryzen.every((r: { status: string }) => r.status === "ok")).toBe(true);
    expect(report.notes.some((n: string) => n.includes("RYZEN_ISA=avx2"))).toBe(true);
  });
});
