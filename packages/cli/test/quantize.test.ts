// `ryzen quantize` then `ryzen run` on the result.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectOneLineError, runCli, SHARED, STORIES } from "./helpers/cli.js";

const reference = JSON.parse(readFileSync(`${SHARED}models/stories260K.reference.json`, "utf8")) as {
  cases: { prompt: string; greedy_tokens: number[] }[];
};
const onceUponATime = reference.cases.find((c) => c.prompt === "Once upon a time")!.greedy_tokens;

const dir = mkdtempSync(join(tmpdir(), "ryzen-quant-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ryzen quantize", () => {
  it.each(["q8_0", "q4_0"])("--type %s writes a smaller model that runs", async (type) => {
    const out = join(dir, `stories-${type}.gguf`);
    const q = await runCli(["quantize", STORIES, out, "--type", type, "--json"]);
    expect(q.stderr).toBe("");
    expect(q.code).toBe(0);
    const summary = JSON.parse(q.stdout);
    expect(summary.tensors).toBe(48);
    expect(summary.out_bytes).toBe(statSync(out).size);
    expect(summary.out_bytes).toBeLessThan(summary.in_bytes);
    expect(summary.types[type]).toBeGreaterThan(0);

    const info = JSON.parse((await runCli(["info", out, "--json"])).stdout);
    expect(info.tensor_count).toBe(48);
    expect(info.tensor_types[type].count).toBe(summary.types[type]);

    const run = await runCli(["run", out, "-p", "Once upon a time", "-n", "16", "--temperature", "0", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const gen = JSON.parse(run.stdout);
    expect(gen.prompt_tokens).toEqual([1, 403, 407, 261, 378]);
    expect(gen.tokens).toHaveLength(16);
    expect(gen.text.length).toBeGreaterThan(0);
    // q8_0 is close to lossless: the greedy decode still follows the f32 reference.
    if (type === "q8_0") expect(gen.tokens).toEqual(onceUponATime.slice(0, 16));
  });

  it("prints a size summary without --json", async () => {
    const out = join(dir, "summary.gguf");
    const q = await runCli(["quantize", STORIES, out, "--type", "q8_0"]);
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/summary\.gguf: 1\.13 MiB → .* \(\d+\.\d%\), 48 tensors/);
  });

  it("rejects an unknown --type and the same in/out path", async () => {
    const bad = await runCli(["quantize", STORIES, join(dir, "x.gguf"), "--type", "q5_k"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--type must be one of q8_0, q4_0, q6_k, tq1_0, tq2_0, i2_s/);
    const same = await runCli(["quantize", STORIES, STORIES, "--type", "q8_0"]);
    expect(expectOneLineError(same)).toMatch(/must differ/);
  });
});
