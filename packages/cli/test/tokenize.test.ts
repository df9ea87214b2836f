// `ryzen tokenize` against the shared tokenizer vectors (llama.cpp's test-tokenizer-0 format),
// on a full model and on vocab-only GGUF files (no tensors), plus --no-bos/--parse-special.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectOneLineError, runCli, SHARED, STORIES } from "./helpers/cli.js";

const VECTORS = `${SHARED}tokenizer-vectors/`;

function readVectors(inp: string, out: string): { text: string; ids: number[] }[] {
  const texts = readFileSync(inp, "utf8").split("\n__ggml_vocab_test__\n");
  texts.pop(); // the separator also ends the file
  const lines = readFileSync(out, "utf8").split("\n");
  return texts.map((text, i) => ({
    text,
    ids: (lines[i] ?? "").trim() === "" ? [] : lines[i]!.trim().split(/\s+/).map(Number),
  }));
}

async function tokenize(model: string, text: string, ...flags: string[]): Promise<number[]> {
  const r = await runCli(["tokenize", model, `--text=${text}`, "--json", ...flags]);
  if (r.code !== 0) throw new Error(`tokenize failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout).ids;
}

/** Runs fn over items with at most `width` in flight (the machine has 2 cores). */
async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

const cases: { name: string; model: string; vectors: string; every: number }[] = [
  // All 46 strings for the two SentencePiece vocabs (one a full model, one vocab-only) ...
  { name: "stories260K (full model)", model: STORIES, vectors: `${VECTORS}stories260K.gguf`, every: 1 },
  { name: "llama-spm (vocab-only)", model: `${VECTORS}ggml-vocab-llama-spm.gguf`, vectors: `${VECTORS}ggml-vocab-llama-spm.gguf`, every: 1 },
  // ... and a spread sample for the large BPE vocabs, each of which takes ~1 s to load per process.
  { name: "gpt-2 (vocab-only)", model: `${VECTORS}ggml-vocab-gpt-2.gguf`, vectors: `${VECTORS}ggml-vocab-gpt-2.gguf`, every: 7 },
  { name: "llama3 (vocab-only)", model: `${VECTORS}llama3-vocab.gguf`, vectors: `${VECTORS}llama3-vocab.gguf`, every: 9 },
  { name: "qwen3 (vocab-only)", model: `${VECTORS}qwen3-vocab.gguf`, vectors: `${VECTORS}qwen3-vocab.gguf`, every: 9 },
];

describe("ryzen tokenize --json matches the tokenizer vectors", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const vectors = readVectors(`${c.vectors}.inp`, `${c.vectors}.out`).filter((_, i) => i % c.every === 0);
      expect(vectors.length).toBeGreaterThan(4);
      await inBatches(vectors, 2, async (v) => {
        expect({ text: v.text, ids: await tokenize(c.model, v.text, "--no-bos") }).toEqual(v);
      });
    }, 180_000);
  }
});

describe("ryzen tokenize flags and output", () => {
  it("adds BOS by default when the vocabulary does, not with --no-bos", async () => {
    expect(await tokenize(STORIES, "Once upon a time")).toEqual([1, 403, 407, 261, 378]);
    expect(await tokenize(STORIES, "Once upon a time", "--no-bos")).toEqual([403, 407, 261, 378]);
  });

  it("--parse-special turns special-token text into its id", async () => {
    const llama3 = `${VECTORS}llama3-vocab.gguf`;
    expect(await tokenize(llama3, "<|eot_id|>", "--no-bos", "--parse-special")).toEqual([128009]);
    const plain = await tokenize(llama3, "<|eot_id|>", "--no-bos");
    expect(plain.length).toBeGreaterThan(1);
    expect(plain).not.toContain(128009);
  });

  it("prints id -> piece lines without --json", async () => {
    const r = await runCli(["tokenize", STORIES, "--text", "Once upon"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual(['  1 -> "<s>"', '403 -> "▁Once"', '407 -> "▁upon"']);
  });

  it("a file that is not GGUF is a one-line error", async () => {
    const r = await runCli(["tokenize", `${VECTORS}README.md`, "--text", "x"]);
    expect(expectOneLineError(r)).toMatch(/GGUF/);
  });

  it("--text is required", async () => {
    const r = await runCli(["tokenize", STORIES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--text is required/);
  });
});
