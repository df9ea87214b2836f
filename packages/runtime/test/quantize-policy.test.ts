import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readGGUF } from "../src/gguf/index.js";
import { QuantizeError, planQuantization } from "../src/quantize/index.js";
import { llamaTensorOrder } from "../src/quantize/policy.js";
import { typeName } from "../src/gguf/types.js";

const STORIES = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));

type Spec = [name: string, shape: number[], type?: number];
const tensorsOf = (specs: Spec[]) => specs.map(([name, shape, type]) => ({ name, shape, type: type ?? 0 }));
function plan(specs: Spec[], type: Parameters<typeof planQuantization>[1]["type"], outputType?: Parameters<typeof planQuantization>[1]["outputType"]) {
  return Object.fromEntries(planQuantization(tensorsOf(specs), { type, outputType }).map((p) => [p.name, typeName(p.to)]));
}

// A BitNet-2B-like layout (row lengths multiples of 256), untied head.
const big: Spec[] = [
  ["token_embd.weight", [2560, 1000]],
  ["output_norm.weight", [2560]],
  ["output.weight", [2560, 1000]],
  ["blk.0.attn_norm.weight", [2560]],
  ["blk.0.attn_q.weight", [2560, 2560]],
  ["blk.0.attn_sub_norm.weight", [2560]],
  ["blk.0.ffn_down.weight", [6912, 2560]],
  ["blk.0.ffn_gate_inp.weight", [2560, 8]],
  ["blk.0.odd.weight", [96, 64]],
  ["blk.0.bias", [2560, 2]],
  ["blk.0.flat.weight", [2560, 1, 1]],
];

describe("planQuantization (llama.cpp's rules)", () => {
  it("quantizes 2-D weight matrices only; gives the head Q6_K, keeps norms, gates and biases", () => {
    expect(plan(big, "q4_0")).toEqual({
      "token_embd.weight": "q4_0", "output_norm.weight": "f32", "output.weight": "q6_K",
      "blk.0.attn_norm.weight": "f32", "blk.0.attn_q.weight": "q4_0", "blk.0.attn_sub_norm.weight": "f32",
      "blk.0.ffn_down.weight": "q4_0", "blk.0.ffn_gate_inp.weight": "f32", "blk.0.odd.weight": "q4_0",
      "blk.0.bias": "f32", "blk.0.flat.weight": "f32",
    });
    const q8 = plan(big, "q8_0");
    expect([q8["output.weight"], q8["token_embd.weight"], q8["blk.0.attn_q.weight"]]).toEqual(["q8_0", "q8_0", "q8_0"]);
    const q6 = plan(big, "q6_k");
    expect([q6["output.weight"], q6["token_embd.weight"], q6["blk.0.ffn_down.weight"], q6["blk.0.odd.weight"]]).toEqual(["q6_K", "q6_K", "q6_K", "q8_0"]);
  });

  it("ternary targets: Q4_K untied embedding, Q6_K head, Q4_0 fallback for short rows", () => {
    for (const t of ["tq1_0", "tq2_0"] as const) {
      const p = plan(big, t);
      expect(p["blk.0.attn_q.weight"]).toBe(t);
      expect(p["blk.0.ffn_down.weight"]).toBe(t);
      expect(p["token_embd.weight"]).toBe("q4_K");
      expect(p["output.weight"]).toBe("q6_K");
      expect(p["blk.0.odd.weight"]).toBe("q4_0"); // 96 % 256 != 0 -> q4_0 (96 % 32 == 0)
    }
    // tied: no output.weight, so the embedding is the head and gets the head's type
    const tied = big.filter(([n]) => n !== "output.weight");
    expect(plan(tied, "tq2_0")["token_embd.weight"]).toBe("q6_K");
  });

  it("i2_s keeps embeddings and head in f16, like bitnet.cpp's setup", () => {
    const p = plan(big, "i2_s");
    expect([p["blk.0.attn_q.weight"], p["token_embd.weight"], p["output.weight"], p["blk.0.odd.weight"]]).toEqual(["i2_s", "f16", "f16", "q4_0"]);
  });

  it("outputType applies to the head and the token embedding", () => {
    const p = plan(big, "tq2_0", "f16");
    expect([p["token_embd.weight"], p["output.weight"], p["blk.0.attn_q.weight"]]).toEqual(["f16", "f16", "tq2_0"]);
    const q = plan([["output.weight", [64, 10]]], "q4_0", "q6_k");
    expect(q["output.weight"]).toBe("q8_0"); // 64 is not a multiple of Q6_K's 256
  });

  it("falls back along llama.cpp's chain and ends at f16", async () => {
    const f = await readGGUF(STORIES);
    const planned = (t: "q8_0" | "q4_0" | "tq2_0") => Object.fromEntries(planQuantization(f.tensors, { type: t }).map((p) => [p.name, [typeName(p.to), p.note]]));
    const q8 = planned("q8_0");
    expect(q8["blk.0.attn_q.weight"]).toEqual(["q8_0", undefined]);
    expect(q8["blk.0.ffn_down.weight"][0]).toBe("f16"); // [172, 64]: 172 % 32 != 0
    expect(q8["blk.0.ffn_down.weight"][1]).toMatch(/172 is not a multiple of q8_0's block size 32/);
    expect(q8["blk.0.attn_norm.weight"][0]).toBe("f32");
    const q4 = planned("q4_0");
    expect(q4["output.weight"][0]).toBe("q8_0"); // head wants q6_K: 64 % 256 -> q8_0
    expect(q4["token_embd.weight"][0]).toBe("q4_0");
    const tq = planned("tq2_0");
    expect(tq["blk.0.attn_q.weight"][0]).toBe("q4_0");
    expect(tq["blk.0.ffn_down.weight"][0]).toBe("f16");
    expect(tq["token_embd.weight"][0]).toBe("q8_0"); // q4_K -> (llama.cpp: q5_0) -> q8_0 here
    expect(tq["output.weight"][0]).toBe("q8_0");
  });

  it("refuses to requantize, and keeps tensors already in the target type", () => {
    expect(() => planQuantization(tensorsOf([["blk.0.attn_q.weight", [64, 4], 8]]), { type: "q4_0" }))
      .toThrow(expect.objectContaining({ code: "REQUANTIZE", tensor: "blk.0.attn_q.weight" }));
    expect(planQuantization(tensorsOf([["blk.0.attn_q.weight", [64, 4], 8]]), { type: "q8_0" })[0].to).toBe(8);
    expect(() => planQuantization([], { type: "q3_k" as never })).toThrow(QuantizeError);
    expect(() => planQuantization([], { type: "q8_0", outputType: "q2" as never })).toThrow(/unknown output type/);
  });

  it("orders tensors like llama-quantize: non-block first, then by block number, then by name", () => {
    const names = ["blk.10.a.weight", "blk.2.b.weight", "output.weight", "blk.2.a.weight", "token_embd.weight", "output_norm.weight"];
    expect(llamaTensorOrder(names.map((name) => ({ name }))).map((t) => t.name)).toEqual([
      "output.weight", "output_norm.weight", "token_embd.weight", "blk.2.a.weight", "blk.2.b.weight", "blk.10.a.weight",
    ]);
  });
});
