// quantize() splits rows across the pool's threads: the bytes must equal one single-threaded call
// for every format (I2_S, whose scale spans the whole tensor, is never split).
import { afterAll, describe, expect, it } from "vitest";
import { GGMLType, getThreads, quantize, setThreads } from "../src/index";
import { randomFloats } from "./helpers/rng";

const initial = getThreads();
afterAll(() => setThreads(initial));

describe("quantize across threads", () => {
  const rows = 300, cols = 512; // several 64-row chunks and a partial one
  const src = randomFloats(rows * cols, 7);
  for (const [name, type] of Object.entries({ q6_K: GGMLType.Q6_K, q8_0: GGMLType.Q8_0, q4_0: GGMLType.Q4_0, tq2_0: GGMLType.TQ2_0, tq1_0: GGMLType.TQ1_0, i2_s: GGMLType.I2_S, f16: GGMLType.F16 })) {
    it(`${name}: 2 threads give the bytes of 1 thread`, () => {
      setThreads(1);
      const one = quantize(type, src, rows, cols);
      setThreads(2);
      const two = quantize(type, src, rows, cols);
      expect(two.length).toBe(one.length);
      expect(Buffer.compare(Buffer.from(two), Buffer.from(one))).toBe(0);
    });
  }
});
