// The sampling flags of `run` and `chat`: parsed from one table, mapped onto the runtime's
// GenerateOptions, and actually applied (the CLI's tokens equal the library's for the same options).
import { describe, expect, it } from "vitest";
import { loadModel } from "@ryzen/runtime";
import { parseCommand, type CommandSpec } from "../src/args.js";
import { samplingFromArgs, samplingOptionSpecs } from "../src/sampling-options.js";
import { runCli, STORIES } from "./helpers/cli.js";

const spec: CommandSpec = { name: "t", summary: "", positionals: [], options: samplingOptionSpecs(16, "most tokens") };

describe("sampling options", () => {
  it("maps every flag onto its GenerateOptions field", () => {
    const args = parseCommand(spec, [
      "-n", "5", "--temperature", "0.5", "--top-k", "7", "--top-p", "0.9", "--min-p", "0.1",
      "--repeat-penalty", "1.3", "--repeat-last-n", "32", "--frequency-penalty", "0.25", "--presence-penalty=-0.5", "--seed", "9",
    ]);
    expect(samplingFromArgs(args)).toEqual({
      maxTokens: 5, temperature: 0.5, topK: 7, topP: 0.9, minP: 0.1,
      repeatPenalty: 1.3, repeatLastN: 32, frequencyPenalty: 0.25, presencePenalty: -0.5, seed: 9,
    });
  });

  it("leaves unset flags out so the runtime defaults apply (seed, penalties)", () => {
    const options = samplingFromArgs(parseCommand(spec, []));
    expect(options).toEqual({ maxTokens: 16, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 });
  });

  it("rejects penalties outside their range", () => {
    expect(() => parseCommand(spec, ["--frequency-penalty", "3"])).toThrow(/frequency-penalty/);
    expect(() => parseCommand(spec, ["--repeat-penalty", "0"])).toThrow(/repeat-penalty/);
  });

  it("ryzen run --repeat-penalty gives the library's tokens for the same options (and not plain greedy)", async () => {
    const prompt = "Once upon a time";
    const r = await runCli(["run", STORIES, "-p", prompt, "-n", "48", "--temperature", "0", "--repeat-penalty", "1.5", "--json"], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const cliTokens = JSON.parse(r.stdout).tokens as number[];
    const model = await loadModel(STORIES);
    try {
      const collect = async (repeatPenalty: number) => {
        const tokens: number[] = [];
        for await (const c of model.generate(prompt, { maxTokens: 48, temperature: 0, repeatPenalty })) tokens.push(c.token);
        return tokens;
      };
      expect(cliTokens).toEqual(await collect(1.5));
      expect(cliTokens).not.toEqual(await collect(1));
    } finally {
      model.dispose();
    }
  }, 90_000);
});
