// `ryzen perplexity` equals exp(mean NLL) computed here, directly from the runtime's
// model.evaluate() logits with llama-perplexity's windowing written out as plain loops.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel } from "@ryzen/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { expectOneLineError, runCli, STORIES } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-ppl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = [
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her dog.",
  "One day, she saw a big red ball under a tree. She wanted to play with it, but it was too high.",
  "Lily asked her mom for help. Her mom smiled and said, \"Let's get it together.\" They found a long stick.",
  "Lily and her mom got the ball down. Lily was very happy. She said thank you to her mom and they played all day.",
  "The next morning, Ben came to the park. He had a small blue car. Lily and Ben shared their toys and became friends.",
].join("\n");
const CTX = 64;

async function referencePerplexity(text: string, ctx: number): Promise<{ ppl: number; count: number }> {
  const model = await loadModel(STORIES, { contextLength: ctx });
  try {
    const tokens = model.tokenize(text);
    const bos = model.info.tokenizer.bos;
    const vocab = model.info.vocabSize;
    let nll = 0;
    let count = 0;
    for (let start = 0; start + ctx <= tokens.length; start += ctx) {
      const window = tokens.slice(start, start + ctx);
      window[0] = bos;
      const logits = await model.evaluate(window, { allLogits: true });
      for (let j = Math.floor(ctx / 2); j < ctx - 1; j++) {
        const row = Array.from(logits.subarray(j * vocab, (j + 1) * vocab));
        const max = Math.max(...row);
        const logSum = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
        nll += logSum - row[tokens[start + j + 1]!]!;
        count++;
      }
    }
    return { ppl: Math.exp(nll / count), count };
  } finally {
    model.dispose();
  }
}

describe("ryzen perplexity", () => {
  it("--json equals exp(mean NLL) over the second half of each window", async () => {
    const file = join(dir, "text.txt");
    writeFileSync(file, TEXT);
    const r = await runCli(["perplexity", STORIES, "-f", file, "--ctx", String(CTX), "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const ref = await referencePerplexity(TEXT, CTX);
    expect(ref.count).toBeGreaterThanOrEqual(2 * (CTX / 2 - 1));
    expect(out.tokens).toBe(ref.count);
    expect(out.windows).toBe(ref.count / (CTX / 2 - 1));
    expect(out.ctx).toBe(CTX);
    expect(Math.abs(out.perplexity - ref.ppl) / ref.ppl).toBeLessThan(1e-4);
    expect(out.perplexity).toBeGreaterThan(1);
  });

  it("too little text for two windows is a one-line error", async () => {
    const file = join(dir, "short.txt");
    writeFileSync(file, "Once upon a time.");
    const r = await runCli(["perplexity", STORIES, "-f", file, "--ctx", "64"]);
    expect(expectOneLineError(r)).toMatch(/needs at least 128/);
  });

  it("a missing text file is a one-line error", async () => {
    const r = await runCli(["perplexity", STORIES, "-f", join(dir, "missing.txt")]);
    expect(expectOneLineError(r)).toMatch(/cannot read .*missing\.txt: ENOENT/);
  });
});
