// loadModel: progress, abort, and a typed error naming the problem for files it cannot run.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryStats } from "@ryzen/kernels";
import { GGUFWriter, ModelLoadError, loadModel, readGGUF } from "../src/index.js";
import { availableMemory, checkMemoryBudget } from "../src/model/memory-budget.js";
import { STORIES } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** stories260K rewritten with edits: metadata overrides and tensors dropped or reshaped. */
async function variant(
  name: string,
  edit: { meta?: Record<string, unknown>; drop?: string; reshape?: [string, number[]] },
): Promise<string> {
  const file = await readGGUF(STORIES);
  const bytes = readFileSync(STORIES);
  const w = new GGUFWriter();
  for (const [k, v] of file.metadata) {
    if (k === "general.alignment") continue;
    w.setMetadata(k, (edit.meta?.[k] ?? v) as never, file.arrayTypes.get(k) ?? file.types.get(k));
  }
  for (const [k, v] of Object.entries(edit.meta ?? {})) if (!file.metadata.has(k)) w.setMetadata(k, v as never);
  for (const t of file.tensors) {
    if (t.name === edit.drop) continue;
    const shape = edit.reshape?.[0] === t.name ? edit.reshape[1] : t.shape;
    w.addTensor(t.name, t.type, shape, new Uint8Array(bytes.buffer, bytes.byteOffset + t.offset, t.bytes));
  }
  const path = join(dir, `${name}.gguf`);
  await w.write(path);
  return path;
}

async function loadError(path: string): Promise<ModelLoadError> {
  try {
    (await loadModel(path)).dispose();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return e as ModelLoadError;
  }
  throw new Error("loadModel succeeded but should have failed");
}

describe("loadModel", () => {
  it("reports progress and frees everything on dispose", async () => {
    const phases: string[] = [];
    const before = memoryStats();
    const m = await loadModel(STORIES, { onProgress: (p) => phases.push(`${p.phase}:${p.done}/${p.total}`) });
    expect(phases[0]).toBe("read:1/1");
    expect(phases.at(-1)).toBe("prepare:6/6");
    expect(memoryStats().mapped).toBeGreaterThan(before.mapped);
    m.dispose();
    expect(memoryStats().mapped).toBe(before.mapped);
  });

  it("an aborted signal stops loading with code ABORTED", async () => {
    await expect(loadModel(STORIES, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("names an unsupported architecture", async () => {
    const path = await variant("mamba", { meta: { "general.architecture": "mamba" } });
    const e = await loadError(path);
    expect(e.code).toBe("UNSUPPORTED_ARCHITECTURE");
    expect(e.message).toContain("mamba");
  });

  it("names a missing tensor", async () => {
    const e = await loadError(await variant("missing", { drop: "blk.3.ffn_up.weight" }));
    expect(e.code).toBe("MISSING_TENSOR");
    expect(e.detail.tensor).toBe("blk.3.ffn_up.weight");
  });

  it("names a tensor with the wrong shape", async () => {
    const e = await loadError(await variant("shape", { reshape: ["blk.1.attn_k.weight", [32, 64]] }));
    expect(e.code).toBe("BAD_SHAPE");
    expect(e.message).toContain("blk.1.attn_k.weight");
  });

  it("renders the file's chat template and does not double a BOS the template already wrote", async () => {
    const template =
      "{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";
    const m = await loadModel(await variant("chat", { meta: { "tokenizer.chat_template": template } }), { threads: 1 });
    try {
      expect(m.info.chatTemplate).toBe(template);
      const prompt = m.applyChatTemplate([{ role: "user", content: "Hi" }]);
      expect(prompt).toBe("<s>user: Hi\nassistant:");
      const ids = m.tokenize(prompt, { parseSpecial: true });
      expect(ids[0]).toBe(1);
      expect(ids.filter((t) => t === 1).length).toBe(1);
      const r = await m.generate(prompt, { parseSpecial: true, temperature: 0, maxTokens: 5 }).result;
      expect(r.promptTokens).toEqual(ids);
    } finally {
      m.dispose();
    }
  });

  it("refuses a KV cache that cannot fit in memory with OUT_OF_MEMORY, before mapping any weights", async () => {
    // 4096 layers (the most configFromMetadata takes) of stories260K's KV rows at 4M positions: 2 TiB
    const path = await variant("huge-kv", { meta: { "llama.block_count": 4096 } });
    const before = memoryStats().mapped;
    const err = await loadModel(path, { contextLength: 1 << 22 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err).toMatchObject({ code: "OUT_OF_MEMORY", message: expect.stringMatching(/4194304-token context needs [\d.]+ GiB of f16 KV cache .* GiB of memory is available/) });
    expect(memoryStats().mapped).toBe(before);
  });

  it("the memory budget counts the weights and one sequence's KV cache against what is available", () => {
    const need = { contextLength: 4096, kvType: "f16" as const, kvBytes: 3 * 2 ** 30, weightBytes: 2 ** 30 };
    expect(() => checkMemoryBudget(need, 4 * 2 ** 30)).not.toThrow();
    expect(() => checkMemoryBudget(need, 4 * 2 ** 30 - 1)).toThrow(expect.objectContaining({ code: "OUT_OF_MEMORY", message: expect.stringContaining('kvType "q8_0"') }));
    // already q8_0: no suggestion to switch to it
    expect(() => checkMemoryBudget({ ...need, kvType: "q8_0" }, 2 ** 30)).toThrow(expect.objectContaining({ message: expect.not.stringContaining("q8_0\"") }));
    const avail = availableMemory();
    expect(avail).toBeGreaterThan(0);
    expect(avail).toBeLessThanOrEqual(totalmem());
  });

  it("rejects bad options", async () => {
    await expect(loadModel(STORIES, { contextLength: 0 })).rejects.toMatchObject({ code: "BAD_OPTION" });
    await expect(loadModel(STORIES, { kvType: "f8" as never })).rejects.toMatchObject({ code: "BAD_OPTION" });
    await expect(loadModel(STORIES, { maxSequences: 1.5 })).rejects.toMatchObject({ code: "BAD_OPTION" });
  });
});
