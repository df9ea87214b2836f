import { describe, expect, it } from "vitest";
import { importPeer } from "../src/deps.js";
import { resolveSettings } from "../src/run.js";

describe("bench settings", () => {
  it("defaults: full mode on the 2B-4T shape over 1..cores threads; quick mode on tiny", () => {
    expect(resolveSettings({}, 2)).toMatchObject({ models: ["bitnet-2b4t"], threads: [1, 2], promptTokens: [128, 512], genTokens: [64, 128], repetitions: 3, order: "interleaved" });
    expect(resolveSettings({ quick: true }, 4)).toMatchObject({ models: ["tiny"], threads: [1, 2, 3, 4], repetitions: 1 });
  });

  it("rejects bad options with typed errors naming the problem", () => {
    expect(() => resolveSettings({ models: ["huge"] }, 2)).toThrow(expect.objectContaining({ code: "UNKNOWN_MODEL" }));
    expect(() => resolveSettings({ types: ["q9" as never] }, 2)).toThrow(expect.objectContaining({ code: "UNKNOWN_WEIGHT_TYPE" }));
    expect(() => resolveSettings({ threads: [0] }, 2)).toThrow(/threads must be positive integers/);
    expect(() => resolveSettings({ repetitions: 0 }, 2)).toThrow(/repetitions/);
    expect(() => resolveSettings({ promptTokens: [] }, 2)).toThrow(/promptTokens/);
    expect(() => resolveSettings({ order: "random" as never }, 2)).toThrow(expect.objectContaining({ code: "BAD_OPTION" }));
  });
});

describe("peers", () => {
  it("a peer that is not installed is a DEPENDENCY_MISSING error that says what to install", async () => {
    // @ts-expect-error: a module that does not exist
    const load = () => import("ryzen-no-such-peer");
    await expect(importPeer("ryzen-no-such-peer", load)).rejects.toMatchObject({
      code: "DEPENDENCY_MISSING",
      message: expect.stringMatching(/ryzen-no-such-peer is not installed .*npm i ryzen-no-such-peer/),
    });
    await expect(importPeer("js-tiktoken", () => import("js-tiktoken/lite"))).resolves.toHaveProperty("Tiktoken");
  });
});
