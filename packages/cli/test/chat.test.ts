// `ryzen chat` with piped stdin: replies stream to stdout, /exit leaves with code 0.
import { describe, expect, it } from "vitest";
import { runCli, STORIES } from "./helpers/cli.js";

describe("ryzen chat", () => {
  it("answers each line and stops at /exit", async () => {
    const r = await runCli(["chat", STORIES, "--temperature", "0", "-n", "12", "--system", "You tell stories."], {
      input: "Tell me about a cat.\nAnd a dog?\n/exit\nthis line is never read\n",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const replies = r.stdout.split("\n").filter((l) => l.trim() !== "");
    expect(replies.length).toBeGreaterThanOrEqual(2);
  });

  it("ends cleanly at end of input", async () => {
    const r = await runCli(["chat", STORIES, "-n", "4"], { input: "" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
  });
});
