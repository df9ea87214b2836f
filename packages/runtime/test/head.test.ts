// Output-head requantization policy: "auto" converts only large float heads (where decode reads
// them every token), "as-stored" never converts, explicit types always do.
import { GGMLType, Tensor } from "@ryzen/kernels";
import { describe, expect, it } from "vitest";
import { AUTO_HEAD_MIN_BYTES, requantizeHead } from "../src/model/head.js";

describe("requantizeHead", () => {
  const E = 2048;
  const small = Tensor.empty(GGMLType.F16, [E, 64]);

  it("auto (and the default) keeps a small float head exact", () => {
    for (const want of ["auto", undefined] as const) {
      const r = requantizeHead(small, want);
      expect(r.converted).toBe(false);
      expect(r.head).toBe(small);
    }
  });

  it("auto converts a float head of 64 MiB or more to q6_K; as-stored keeps it", () => {
    const rows = AUTO_HEAD_MIN_BYTES / (2 * E);
    const big = Tensor.empty(GGMLType.F16, [E, rows]);
    expect(requantizeHead(big, "as-stored")).toEqual({ head: big, converted: false });
    const r = requantizeHead(big, "auto");
    expect(r.converted).toBe(true);
    expect(r.head.type).toBe(GGMLType.Q6_K);
    expect(r.head.shape).toEqual([E, rows]);
    expect(r.head.byteLength).toBe((E / 256) * 210 * rows);
    r.head.dispose();
    big.dispose();
  }, 60_000);

  it("never converts a head that is not float, and rejects unknown types", () => {
    const q = Tensor.empty(GGMLType.Q8_0, [E, 64]);
    expect(requantizeHead(q, "q6_k").converted).toBe(false);
    expect(() => requantizeHead(q, "q5_1" as never)).toThrow(/outputType must be one of auto, as-stored/);
    expect(requantizeHead(small, "q8_0").head.type).toBe(GGMLType.Q8_0);
  });
});
