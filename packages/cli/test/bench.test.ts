// `ryzen bench --json`: the documented fields, consistent spreads (no timing thresholds).
import { describe, expect, it } from "vitest";
import { runCli, STORIES } from "./helpers/cli.js";

describe("ryzen bench", () => {
  it("--json reports pp/tg tok/s with their spread and peak RSS", async () => {
    const r = await runCli(["bench", STORIES, "--prompt-tokens", "16", "--gen-tokens", "8", "-r", "3", "-t", "1", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ model: "stories260K.gguf", threads: 1, prompt_tokens: 16, gen_tokens: 8, repetitions: 3 });
    for (const key of ["pp", "tg"]) {
      const median = out[`${key}_tokens_per_s`];
      const s = out[`${key}_spread`];
      expect(median).toBeGreaterThan(0);
      expect(Number.isFinite(median)).toBe(true);
      expect(s.median).toBe(median);
      expect(s.samples).toHaveLength(3);
      expect(s.min).toBeLessThanOrEqual(median);
      expect(s.max).toBeGreaterThanOrEqual(median);
    }
    expect(out.peak_rss_mb).toBeGreaterThan(0);
    expect(typeof out.cpu).toBe("string");
    expect(typeof out.amx).toBe("boolean");
  });
});
