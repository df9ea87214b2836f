// Memory bound: loading a BitNet-shaped model and generating 512 tokens peaks at no more than the
// model's weight bytes + KV bytes + 15 % (RSS growth over the process before loading). Repacked
// ternary weights must replace, not add to, the mapped file pages.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GGMLType } from "@ryzen/kernels";
import { readGGUF } from "../src/index.js";
import { writeBitnetShape } from "./helpers/bitnet-shape.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-mem-"));
const model = join(dir, "bitnet-mem.gguf");
const child = fileURLToPath(new URL("./helpers/memory-child.mts", import.meta.url));
const tsx = createRequire(import.meta.url).resolve("tsx");

// RSS bounds do not hold under AddressSanitizer (shadow memory, quarantined frees): the sanitizer
// pass (RYZEN_SANITIZED=1, set by packages/kernels/scripts/test-sanitized.mjs) skips them.
describe.skipIf(process.platform !== "linux" || process.env.RYZEN_SANITIZED === "1")("memory", () => {
  beforeAll(async () => {
    // ~300 MB of weights: large against the fixed costs (runtime code, tokenizer, activations:
    // ~26 MiB here). Where ternary weights are repacked into the 2-bit T2 layout (AVX2-only CPUs,
    // and AVX-512 CPUs with AMX tiles) they take about the file's size (T3 takes 14 % less): with
    // a model of ~115 MB the fixed costs alone were most of the 15 % (151 MiB against 141).
    await writeBitnetShape(model, { E: 2048, F: 5632, layers: 24, nHead: 16, nHeadKv: 4, vocab: 16000, ctx: 1024 });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Each child reads the file as a user's first run does: evicted from the page cache, so readahead
  // builds large folios (and one fault can map a whole folio, neighbours included).
  const evict = () => execFileSync("dd", [`if=${model}`, "iflag=nocache", "count=0", "status=none"]);

  it("load + 512 generated tokens peak at <= weight bytes + KV bytes + 15 %", () => {
    evict();
    const out = execFileSync(process.execPath, ["--import", tsx, child, model, "512"], { encoding: "utf8", timeout: 240_000 });
    const r = JSON.parse(out.trim().split("\n").pop()!);
    expect(r.generated).toBe(512);
    expect(r.weightBytes).toBeGreaterThan(90e6);
    const bound = (r.weightBytes + r.kvBytes) * 1.15;
    const grown = r.peak - r.before;
    console.log(`memory: peak growth ${(grown / 2 ** 20).toFixed(1)} MiB, bound ${(bound / 2 ** 20).toFixed(1)} MiB (weights ${(r.weightBytes / 2 ** 20).toFixed(1)}, KV ${(r.kvBytes / 2 ** 20).toFixed(1)}, peak reset ${r.peakReset})`);
    expect(grown).toBeLessThanOrEqual(bound);
  }, 300_000);

  it("after generating, the file mapping holds only the weights that are not repacked", async () => {
    evict();
    const out = execFileSync(process.execPath, ["--import", tsx, child, model, "16"], { encoding: "utf8", timeout: 240_000 });
    const r = JSON.parse(out.trim().split("\n").pop()!);
    const file = await readGGUF(model);
    const ternary = new Set<number>([GGMLType.TQ1_0, GGMLType.TQ2_0, GGMLType.I2_S]);
    const kept = file.tensors.filter((t) => !ternary.has(t.type)).reduce((a, t) => a + t.bytes, 0);
    const repacked = file.tensors.filter((t) => ternary.has(t.type)).reduce((a, t) => a + t.bytes, 0);
    expect(repacked).toBeGreaterThan(50e6);
    // Slack: the partial pages at each repacked tensor's two ends stay mapped.
    const slack = 2 * 4096 * file.tensors.length + (1 << 20);
    console.log(`memory: mapped RSS ${(r.mappedRss / 2 ** 20).toFixed(1)} MiB, not-repacked weights ${(kept / 2 ** 20).toFixed(1)} MiB`);
    expect(r.mappedRss).toBeLessThanOrEqual(kept + slack);
    // dispose() returns the repacked weights, KV cache and mapping to the OS, not just to a free list.
    const left = r.afterDispose - r.before;
    console.log(`memory: ${(left / 2 ** 20).toFixed(1)} MiB above the starting RSS after dispose`);
    expect(left).toBeLessThan(0.2 * r.weightBytes);
  }, 300_000);
});
