// The benchmark's machine probes ("bench_read", "bench_peak") run on every ISA and thread count
// and reject bad operands with a KernelError (their timing is the benchmark's business, not a test's).
import { describe, expect, it } from "vitest";
import { GGMLType, Tensor, runOp } from "../src/index";
import { expectKernelError } from "./helpers/errors";
import { forEachIsaAndThreads } from "./helpers/isa";

describe("benchmark probe ops", () => {
  it("bench_read streams a buffer and bench_peak runs the int8 loop on every path", () => {
    const buf = Tensor.fromFloat32([1 << 16], new Float32Array(1 << 16).fill(1.5));
    forEachIsaAndThreads(({ isa, threads }) => {
      const sink = Tensor.empty(GGMLType.I32, [64]);
      runOp("bench_read", [sink, buf]);
      // 1.5f = 0x3fc00000: an even number of identical lines XORs to 0 on the SIMD paths
      if (isa !== "scalar") expect(Array.from(sink.i32().slice(0, threads))).toEqual(new Array(threads).fill(0));
      runOp("bench_peak", [sink], [1000]);
      if (isa !== "scalar") expect(sink.i32().slice(0, threads).every((v) => v !== 0)).toBe(true);
    });
  });

  it("rejects bad operands", () => {
    const sink = Tensor.empty(GGMLType.I32, [64]);
    expectKernelError(() => runOp("bench_read", [sink]), "INVALID_ARGUMENT", /2 tensor operands/);
    expectKernelError(() => runOp("bench_read", [Tensor.empty(GGMLType.I32, [8]), Tensor.empty(GGMLType.F32, [64])]), "INVALID_ARGUMENT", /sink/);
    expectKernelError(() => runOp("bench_read", [sink, Tensor.empty(GGMLType.I32, [64])]), "INVALID_ARGUMENT", /buf/);
    expectKernelError(() => runOp("bench_peak", [sink], []), "INVALID_ARGUMENT", /iters/);
    expectKernelError(() => runOp("bench_peak", [sink], [0]), "INVALID_ARGUMENT", /iters/);
  });
});
