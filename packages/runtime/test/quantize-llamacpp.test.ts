// Golden check against llama.cpp: the sha256 of what llama.cpp's own llama-quantize (commit
// de3ff81, built under /tmp/peers, `llama-quantize in out TYPE 1`) wrote for the same inputs.
// Equal hashes mean byte-identical files: metadata, tensor order, per-tensor types, quantized
// blocks and padding.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GGUFWriter, readGGUFFromBytes } from "../src/gguf/index.js";
import { quantizeModel, type QuantType } from "../src/quantize/index.js";
import { STORIES, copyMetadata, f32Of, ternaryLlama } from "./quantize-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-quantize-golden-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function quantizedHash(input: string, type: QuantType): Promise<string> {
  const out = join(dir, `${type}.${Math.random().toString(36).slice(2)}.gguf`);
  await quantizeModel(input, out, { type });
  return sha256(readFileSync(out));
}

/** ternaryLlama with its matrices stored as F16 or BF16 (norms stay F32). */
function ternaryAs(type: 1 | 30): Uint8Array {
  const src = ternaryLlama();
  const f = readGGUFFromBytes(src);
  const w = new GGUFWriter();
  copyMetadata(f, w);
  for (const t of f.tensors) w.addTensor(t.name, t.shape.length > 1 ? type : 0, t.shape, f32Of(src, t));
  return w.toBytes();
}

describe("byte-identical to llama.cpp's llama-quantize", () => {
  it("stories260K to q8_0 and q4_0 (ffn_down's 172-wide rows fall back to f16 in both)", async () => {
    expect(await quantizedHash(STORIES, "q8_0")).toBe("ff8701a45da28293b7af11a695ab33575b692e9b109a2eae6238c906c31415da");
    expect(await quantizedHash(STORIES, "q4_0")).toBe("fd93abd9957992763c863e7e3f30934baf1e7a2e31b6c911a720cd109daed40d");
  });

  it("a ternary llama (F32) to q8_0, q4_0, q6_k, tq1_0 and tq2_0 (Q6_K head, Q4_K embedding for ternary)", async () => {
    const bytes = ternaryLlama();
    // the input llama-quantize was given: if this changes, the fixture changed, not the quantizer
    expect(sha256(bytes)).toBe("dfec9bfeffd6893d9fb1e4de01f923498d5f2f97f7b8505bc2b976fa1d94a5b4");
    const input = join(dir, "ternary.f32.gguf");
    writeFileSync(input, bytes);
    const want: Partial<Record<QuantType, string>> = {
      q8_0: "de7c5463498d044a191a86c9eeebd948e312f323e37d986c378ab8c5986df6f6",
      q4_0: "8dbead222571b5945055df29c4f956bc23de324c1aad7eee222b8a7be337df74",
      q6_k: "23be509aa0085dff5e52b398fc68f2a249bc6479c6f8860233f01eb2d6ab1eb5",
      tq1_0: "c0b43663959eef610903c3ca0693283b6f75fca73e4d89c1f95d46d1e9859be7",
      tq2_0: "5cca0095d5eff748215c95b7e0306032230fa35ea694156e10533266268ffe19",
    };
    for (const [type, hash] of Object.entries(want)) expect(await quantizedHash(input, type as QuantType), type).toBe(hash);
  });

  it("F16 and BF16 sources", async () => {
    const f16 = ternaryAs(1);
    const bf16 = ternaryAs(30);
    expect(sha256(f16)).toBe("3db6fd416c30e1f18e49affc59203bbcee787598613276a557c39a73a30d194e");
    expect(sha256(bf16)).toBe("35e0db3e92dc37e4cf567adaf93d7e2b656362bd60941da60f2579232ea590e2");
    writeFileSync(join(dir, "t.f16.gguf"), f16);
    writeFileSync(join(dir, "t.bf16.gguf"), bf16);
    expect(await quantizedHash(join(dir, "t.f16.gguf"), "q6_k")).toBe("0754c8721f2eb5e11372c5da5e161b6ca2c43ecab384ba858d6f38009c133e54");
    expect(await quantizedHash(join(dir, "t.bf16.gguf"), "tq2_0")).toBe("8810b27cb48617daf293aae6725737b58c11ebb7d64ebd65801f37c94a49ba18");
  });
});
