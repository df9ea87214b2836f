/** The tokenizer engineer's benchmark (src/tokenizer/), built as its own tsup entry and loaded if present. */
export interface TokenizerBenchSection {
  status: "ok" | "unavailable" | "failed";
  reason?: string;
  text?: string;
  result?: unknown;
}

export async function runTokenizerSection(opts: { quick?: boolean }): Promise<TokenizerBenchSection> {
  let mod: { runTokenizerBench?: (o: unknown) => unknown; formatTokenizerBench?: (r: unknown) => string };
  try {
    mod = (await import(new URL("./tokenizer/index.js", import.meta.url).href)) as typeof mod;
  } catch (err) {
    return { status: "unavailable", reason: `tokenizer benchmark not built: ${(err as Error).message.split("\n")[0]}` };
  }
  if (typeof mod.runTokenizerBench !== "function") return { status: "unavailable", reason: "src/tokenizer exports no runTokenizerBench" };
  try {
    const result = await mod.runTokenizerBench(opts);
    const text = typeof mod.formatTokenizerBench === "function" ? mod.formatTokenizerBench(result) : undefined;
    return { status: "ok", result, text };
  } catch (err) {
    return { status: "failed", reason: (err as Error).message };
  }
}
