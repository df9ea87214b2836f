// Every command has --help; the global help lists them all; unknown commands are usage errors.
import { describe, expect, it } from "vitest";
import { createProgress } from "../src/progress.js";
import { runCli } from "./helpers/cli.js";

const COMMANDS = ["run", "chat", "serve", "info", "tokenize", "quantize", "perplexity", "bench", "pull"];

describe("help", () => {
  it("ryzen --help lists every command", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
  });

  it.each(COMMANDS)("ryzen %s --help documents usage and options", async (c) => {
    const r = await runCli([c, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`Usage: ryzen ${c} `);
    expect(r.stdout).toContain("-h, --help");
  });

  it("documents the contract flags", async () => {
    const flags: Record<string, string[]> = {
      run: ["--prompt", "--max-tokens", "--temperature", "--top-k", "--top-p", "--min-p", "--seed", "--threads", "--ctx", "--json"],
      chat: ["--system"],
      serve: ["--host", "--port", "--parallel", "--queue", "--api-key"],
      info: ["--json"],
      tokenize: ["--text", "--no-bos", "--parse-special", "--json"],
      quantize: ["--type", "--output-type"],
      perplexity: ["--file", "--ctx", "--json"],
      bench: ["--prompt-tokens", "--gen-tokens", "--threads", "--repetitions", "--json"],
    };
    for (const [c, list] of Object.entries(flags)) {
      const r = await runCli([c, "--help"]);
      for (const f of list) expect(r.stdout, `${c} ${f}`).toContain(f);
    }
  });

  it("an unknown command or no command is a usage error (exit 2)", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    expect((await runCli([])).code).toBe(2);
  });

  it("--version prints the package version", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("progress bars", () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY, columns: 80, write: (s: string) => (out.push(s), true) } };
  };

  it("draw only on a TTY", () => {
    const tty = sink(true);
    const bar = createProgress(tty.stream, "loading");
    bar.update(5, 10);
    bar.update(10, 10);
    bar.finish();
    expect(tty.out.join("")).toContain("loading");
    expect(tty.out.join("")).toContain("100%");

    const pipe = sink(false);
    const quiet = createProgress(pipe.stream, "loading");
    quiet.update(5, 10);
    quiet.finish();
    expect(pipe.out).toEqual([]);
  });
});
