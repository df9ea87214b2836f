// `ryzen info --json` reports what the GGUF header says, without loading weights.
import { describe, expect, it } from "vitest";
import { runCli, SHARED, STORIES } from "./helpers/cli.js";

describe("ryzen info", () => {
  it("--json fields for stories260K", async () => {
    const r = await runCli(["info", STORIES, "--json"]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      file_bytes: 1185376,
      gguf_version: 3,
      architecture: "llama",
      parameters: 292800,
      tensor_count: 48,
      tensor_types: { f32: { count: 48, bytes: 292800 * 4 } },
      context_length: 2048,
      embedding_length: 64,
      block_count: 5,
      head_count: 8,
      head_count_kv: 4,
      vocab_size: 512,
      tokenizer: { model: "llama", vocab_size: 512, bos_id: 1, eos_id: 2 },
      chat_template: false,
    });
  });

  it("works on a vocab-only GGUF (no tensors) and reports its chat template", async () => {
    const r = await runCli(["info", `${SHARED}tokenizer-vectors/qwen3-vocab.gguf`, "--json"]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ architecture: "qwen2", parameters: 0, tensor_count: 0, vocab_size: 151669, chat_template: true });
    expect(info.tokenizer).toMatchObject({ model: "gpt2", pre: "qwen2", bos_id: 151643, eos_id: 151645 });
  });

  it("prints a readable summary without --json", async () => {
    const r = await runCli(["info", STORIES]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/architecture\s+llama/);
    expect(r.stdout).toMatch(/parameters\s+292\.8K/);
    expect(r.stdout).toMatch(/f32\s+48 tensors/);
  });
});
