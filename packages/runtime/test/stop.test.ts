import { describe, expect, it } from "vitest";
import { StopMatcher } from "../src/generation/stop.js";
import { Channel } from "../src/generation/channel.js";

describe("StopMatcher", () => {
  it("passes text through without stop strings", () => {
    const m = new StopMatcher([]);
    expect(m.push("abc")).toEqual({ emit: "abc", stopped: false });
  });

  it("finds a stop string split across chunks and never emits it", () => {
    const m = new StopMatcher(["\n\nUser:"]);
    const out: string[] = [];
    let stopped = false;
    for (const c of ["Hello", " there\n", "\nUs", "er:", " more"]) {
      const r = m.push(c);
      out.push(r.emit);
      if (r.stopped) { stopped = true; break; }
    }
    expect(stopped).toBe(true);
    expect(out.join("")).toBe("Hello there");
  });

  it("releases held-back text once it cannot start a stop string", () => {
    const m = new StopMatcher(["STOP"]);
    expect(m.push("abST").emit).toBe("ab");
    expect(m.push("xy").emit).toBe("STxy");
    expect(m.push("ST").emit).toBe("");
    expect(m.flush()).toBe("ST");
  });

  it("cuts at the earliest of several stop strings", () => {
    const m = new StopMatcher(["cd", "b"]);
    expect(m.push("abcd")).toEqual({ emit: "a", stopped: true });
  });
});

describe("Channel", () => {
  it("buffers before iteration and ends on close", async () => {
    const c = new Channel<number>();
    c.push(1);
    c.push(2);
    c.close();
    const got: number[] = [];
    for await (const x of c) got.push(x);
    expect(got).toEqual([1, 2]);
  });
  it("delivers to a waiting reader and propagates errors", async () => {
    const c = new Channel<number>();
    const it = c[Symbol.asyncIterator]();
    const p = it.next();
    c.push(7);
    expect(await p).toEqual({ value: 7, done: false });
    const q = it.next();
    c.close(new Error("boom"));
    await expect(q).rejects.toThrow("boom");
  });
});
