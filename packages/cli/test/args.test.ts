// Command-line parsing: typed values, ranges, choices, required flags and positionals, help text.
import { describe, expect, it } from "vitest";
import { formatHelp, parseCommand, type CommandSpec } from "../src/args.js";
import { UsageError, describeError, exitCodeOf } from "../src/errors.js";

const spec: CommandSpec = {
  name: "demo",
  summary: "a demo command",
  positionals: [{ name: "model", description: "the model" }, { name: "extra", description: "optional", optional: true }],
  options: {
    count: { kind: "int", short: "n", min: 1, max: 10, default: 3, description: "how many" },
    temp: { kind: "number", min: 0, description: "temperature" },
    mode: { kind: "string", choices: ["a", "b"], description: "mode" },
    text: { kind: "string", required: true, description: "text" },
    flag: { kind: "boolean", description: "a flag" },
  },
};

describe("parseCommand", () => {
  it("converts values and applies defaults", () => {
    const a = parseCommand(spec, ["m.gguf", "--text", "hi", "--temp=0.5", "--flag", "--mode", "b"]);
    expect(a.positional(0)).toBe("m.gguf");
    expect(a.num("count")).toBe(3);
    expect(a.num("temp")).toBe(0.5);
    expect(a.str("mode")).toBe("b");
    expect(a.bool("flag")).toBe(true);
    expect(a.bool("verbose")).toBe(false);
    expect(parseCommand(spec, ["m", "--text", "x", "-n", "7"]).num("count")).toBe(7);
  });

  it.each([
    [["m", "--text", "x", "-n", "1.5"], /--count expects an integer/],
    [["m", "--text", "x", "-n", "0"], /--count must be at least 1/],
    [["m", "--text", "x", "-n", "11"], /--count must be at most 10/],
    [["m", "--text", "x", "--temp", "warm"], /--temp expects a number/],
    [["m", "--text", "x", "--temp", ""], /--temp expects a number/],
    [["m", "--text", "x", "--mode", "c"], /--mode must be one of a, b/],
    [["m"], /--text is required/],
    [["--text", "x"], /missing <model>/],
    [["m", "e", "f", "--text", "x"], /unexpected argument "f"/],
    [["m", "--text", "x", "--bogus"], /Unknown option '--bogus'/],
    [["m", "--text"], /argument missing/],
  ])("%j → UsageError %s", (argv, message) => {
    let error: unknown;
    try {
      parseCommand(spec, argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
    expect(exitCodeOf(error)).toBe(2);
  });

  it("--help skips the required checks", () => {
    expect(parseCommand(spec, ["--help"]).bool("help")).toBe(true);
  });

  it("formatHelp lists every option, its default and the positionals", () => {
    const help = formatHelp(spec);
    expect(help).toContain("Usage: ryzen demo <model> [extra] [options]");
    for (const flag of ["-n, --count <N>", "--temp <N>", "--mode <a|b>", "--text <TEXT>", "--flag", "-h, --help", "--verbose"]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("(default 3)");
    expect(help).toContain("(required)");
  });
});

describe("describeError", () => {
  it("keeps one line and appends a runtime error code", () => {
    const e = Object.assign(new Error("bad\nthing"), { code: "BAD_SHAPE" });
    expect(describeError(e)).toBe("bad thing [BAD_SHAPE]");
  });
  it("names system errors by their meaning", () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: "ENOENT", path: "x" });
    expect(describeError(e)).toBe("no such file or directory: x");
  });
});
