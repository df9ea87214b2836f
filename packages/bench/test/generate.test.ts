import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dequantize } from "@ryzen/kernels";
import { readGGUF } from "@ryzen/runtime";
import { generateModel, modelFileName, tensorPlan } from "../src/models/generate.js";
import { MODEL_SHAPES, projectionWeights } from "../src/models/shapes.js";

const dir = mkdtempSync(join(tmpdir(), "rb-gen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TYPE_IDS = { tq2_0: 35, tq1_0: 34, i2_s: 36, q4_0: 2, q4_k: 12, q8_0: 8 } as const;

describe("model generator (tiny shape)", () => {
  it("writes the llama.cpp bitnet tensor set with the right types, shapes and metadata", async () => {
    for (const wt of ["tq2_0", "tq1_0", "i2_s", "q4_0", "q4_k", "q8_0"] as const) {
      const g = await generateModel({ model: "tiny", weightType: wt, cacheDir: dir });
      expect(g.path).toBe(join(dir, modelFileName("tiny", wt, "q6_k", 1)));
      const f = await readGGUF(g.path);
      const plan = tensorPlan(MODEL_SHAPES.tiny);
      expect(f.tensors.map((t) => t.name)).toEqual(plan.map((p) => p.name));
      for (const t of f.tensors) {
        const p = plan.find((x) => x.name === t.name)!;
        expect(t.shape).toEqual(p.shape);
        const want = p.kind === "norm" ? 0 : p.kind === "ternary" ? TYPE_IDS[wt] : 14;
        expect(t.type, t.name).toBe(want);
      }
      const md = (k: string) => f.metadata.get(k);
      expect(md("general.architecture")).toBe("bitnet");
      expect(md("bitnet.block_count")).toBe(2);
      expect(md("bitnet.attention.head_count_kv")).toBe(2);
      expect(md("bitnet.rope.freq_base")).toBe(10000);
      expect((md("tokenizer.ggml.tokens") as string[]).length).toBe(MODEL_SHAPES.tiny.vocab);
      expect(md("tokenizer.ggml.model")).toBe("gpt2");
    }
  });

  it("uses the same ternary weights in every format and is deterministic", async () => {
    const signs = async (wt: "tq2_0" | "i2_s" | "tq1_0") => {
      const g = await generateModel({ model: "tiny", weightType: wt, cacheDir: dir });
      const f = await readGGUF(g.path);
      const t = f.tensors.find((x) => x.name === "blk.1.ffn_down.weight")!;
      const bytes = new Uint8Array(readFileSync(g.path).subarray(t.offset, t.offset + t.bytes));
      return Array.from(dequantize(t.type, bytes, t.shape[1], t.shape[0]), Math.sign);
    };
    const tq2 = await signs("tq2_0");
    expect(new Set(tq2)).toEqual(new Set([-1, 0, 1]));
    expect(await signs("i2_s")).toEqual(tq2);
    expect(await signs("tq1_0")).toEqual(tq2);
    const a = await generateModel({ model: "tiny", weightType: "tq2_0", cacheDir: dir, force: true, seed: 1 });
    const first = readFileSync(a.path);
    const b = await generateModel({ model: "tiny", weightType: "tq2_0", cacheDir: dir, force: true, seed: 1 });
    expect(readFileSync(b.path).equals(first)).toBe(true);
    const c = await generateModel({ model: "tiny", weightType: "tq2_0", cacheDir: dir, seed: 2 });
    expect(readFileSync(c.path).equals(first)).toBe(false);
  });

  it("serves a cached file without regenerating it", async () => {
    const g = await generateModel({ model: "tiny", weightType: "q4_0", cacheDir: dir });
    const again = await generateModel({ model: "tiny", weightType: "q4_0", cacheDir: dir });
    expect(again.cached).toBe(true);
    expect(again.bytes).toBe(g.bytes);
  });

  it("rejects unknown shapes and weight types with typed errors", async () => {
    await expect(generateModel({ model: "nope", weightType: "tq2_0", cacheDir: dir })).rejects.toMatchObject({ code: "UNKNOWN_MODEL" });
    await expect(generateModel({ model: "tiny", weightType: "q9" as never, cacheDir: dir })).rejects.toMatchObject({ code: "UNKNOWN_WEIGHT_TYPE" });
  });

  it("knows the 2B-4T projection count (about 2.08 B ternary weights)", () => {
    expect(projectionWeights(MODEL_SHAPES["bitnet-2b4t"])).toBe(30 * (2560 * 2560 * 2 + 2560 * 640 * 2 + 3 * 2560 * 6912));
  });
});
