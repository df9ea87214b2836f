// Bad input anywhere in the API surfaces as a KernelError with a precise code and message.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  GGMLType,
  KernelError,
  Plan,
  Tensor,
  dequantize,
  matmulKernels,
  memoryStats,
  ops,
  quantize,
  runOp,
  setThreads,
} from "../src/index";
import { expectKernelError } from "./helpers/errors";

describe("KernelError", () => {
  it("is an Error with a name, code and message", () => {
    const err = expectKernelError(() => Tensor.empty(999, [4]), "UNKNOWN_TYPE", /unknown tensor type 999/);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("KernelError");
    expect(new KernelError("IO", "x").code).toBe("IO");
  });
});

describe("error paths", () => {
  it("wrong sizes", () => {
    expectKernelError(() => Tensor.from(GGMLType.F32, [4], new Float32Array(3)), "INVALID_ARGUMENT", /12 bytes.*needs 16/);
    expectKernelError(() => Tensor.from(GGMLType.Q8_0, [32, 2], new Uint8Array(67)), "INVALID_ARGUMENT", /67 bytes.*needs 68/);
    expectKernelError(() => Tensor.empty(GGMLType.Q4_K, [255]), "INVALID_ARGUMENT", /multiple of the block size 256/);
    expectKernelError(() => dequantize(GGMLType.F32, new Uint8Array(10), 1, 4), "INVALID_ARGUMENT", /10 bytes.*needs 16/);
    expectKernelError(() => quantize(GGMLType.F32, new Float32Array(5), 2, 3), "INVALID_ARGUMENT", /5 floats, rows x cols = 6/);
    expectKernelError(() => quantize(GGMLType.F32, new Float32Array(6), 0, 6), "INVALID_ARGUMENT", /positive/);
  });

  it("mismatched shapes", () => {
    const w = Tensor.empty(GGMLType.F32, [16, 3]);
    expectKernelError(
      () => ops.matmul(Tensor.empty(GGMLType.F32, [3, 1]), w, Tensor.empty(GGMLType.F32, [15, 1])),
      "SHAPE_MISMATCH",
      /x has 15 columns, w has K=16/,
    );
    expectKernelError(
      () => ops.getRows(Tensor.empty(GGMLType.F32, [16, 3]), w, Tensor.empty(GGMLType.I32, [2])),
      "SHAPE_MISMATCH",
      /out must be \[16, 2\]/,
    );
  });

  it("unknown types", () => {
    expectKernelError(() => Tensor.empty(3, [4]), "UNKNOWN_TYPE", /unknown tensor type 3/);
    expectKernelError(() => Tensor.from(-1, [4], new Uint8Array(4)), "UNKNOWN_TYPE");
    expectKernelError(() => quantize(1000, new Float32Array(4), 1, 4), "UNKNOWN_TYPE");
    expectKernelError(() => matmulKernels(5), "UNKNOWN_TYPE");
    expectKernelError(() => matmulKernels(GGMLType.Q8_0, Tensor.empty(GGMLType.F32, [32, 2])), "INVALID_ARGUMENT", /not of the given type/);
    expectKernelError(() => quantize(GGMLType.I32, new Float32Array(4), 1, 4), "UNKNOWN_TYPE", /i32/);
  });

  it("disposed tensors", () => {
    const t = Tensor.empty(GGMLType.F32, [4]);
    t.dispose();
    t.dispose(); // idempotent
    expect(t.shape).toEqual([4]); // metadata stays readable
    for (const use of [() => t.bytes(), () => t.f32(), () => t.rows(0, 1), () => t.reshape([2, 2]), () => t.toFloat32(), () => t.prepare()])
      expectKernelError(use, "DISPOSED", /disposed/);
    expectKernelError(() => ops.scale(Tensor.empty(GGMLType.F32, [4]), t, 2), "DISPOSED", /t\[1\] is a disposed Tensor/);
  });

  it("detached ArrayBuffers", () => {
    const data = new Float32Array(4);
    const t = Tensor.from(GGMLType.F32, [4], data);
    const ids = Tensor.from(GGMLType.I32, [1], new Int32Array([0]));
    const out = Tensor.empty(GGMLType.F32, [4, 1]);
    const plan = new Plan([{ op: "get_rows", t: [out, t, ids] }]);
    structuredClone(data.buffer, { transfer: [data.buffer] }); // detaches data.buffer
    expectKernelError(() => t.f32(), "DISPOSED", /detached/);
    expectKernelError(() => t.toFloat32(), "DISPOSED", /detached/);
    expectKernelError(() => plan.run(), "DISPOSED", /detached/);
    expectKernelError(() => Tensor.from(GGMLType.F32, [4], data.buffer), "DISPOSED", /detached/);
  });

  it("bad op names and arguments", () => {
    expectKernelError(() => runOp("no_such_op", []), "INVALID_ARGUMENT", /unknown op 'no_such_op'/);
    expectKernelError(() => runOp(42 as never, []), "INVALID_ARGUMENT", /op must be a string/);
    expectKernelError(() => runOp("matmul", [Tensor.empty(GGMLType.F32, [1])]), "INVALID_ARGUMENT", /expects tensors \[y, w, x\]/);
    expectKernelError(() => runOp("matmul", [1, 2, 3] as never), "INVALID_ARGUMENT", /t\[0\] must be a Tensor/);
    expectKernelError(() => runOp("matmul", [new Plan([]) as never]), "INVALID_ARGUMENT", /t\[0\] must be a Tensor/);
  });

  it("out-of-range ids", () => {
    const table = Tensor.empty(GGMLType.F32, [4, 3]);
    expectKernelError(
      () => ops.getRows(Tensor.empty(GGMLType.F32, [4, 1]), table, Tensor.from(GGMLType.I32, [1], new Int32Array([3]))),
      "INVALID_ARGUMENT",
      /id 3 at position 0 is out of range \[0, 3\)/,
    );
    expectKernelError(
      () => ops.getRows(Tensor.empty(GGMLType.F32, [4, 1]), table, Tensor.from(GGMLType.F32, [1], new Float32Array(1))),
      "INVALID_ARGUMENT",
      /ids must be i32/,
    );
  });

  it("bad shapes and numbers", () => {
    expectKernelError(() => Tensor.empty(GGMLType.F32, "4" as never), "INVALID_ARGUMENT", /shape must be an array/);
    expectKernelError(() => Tensor.empty(GGMLType.F32, [-1]), "INVALID_ARGUMENT", /shape/);
    expectKernelError(() => Tensor.empty(GGMLType.F32, [NaN]), "INVALID_ARGUMENT", /shape/);
    expectKernelError(() => Tensor.empty("f32" as never, [4]), "INVALID_ARGUMENT", /type must be an integer/);
    expectKernelError(() => setThreads(0), "INVALID_ARGUMENT", /threads must be between 1 and/);
    expectKernelError(() => setThreads(1.5), "INVALID_ARGUMENT", /threads must be an integer/);
  });
});

describe("allocation failure", () => {
  // With overcommit_memory=1 the kernel grants any mapping, so the failure cannot be provoked.
  const overcommitAlways = (() => {
    try {
      return readFileSync("/proc/sys/vm/overcommit_memory", "utf8").trim() === "1";
    } catch {
      return true;
    }
  })();

  it.skipIf(overcommitAlways)("a tensor larger than memory is OUT_OF_MEMORY, and the pool stays consistent", () => {
    const before = memoryStats().used;
    expectKernelError(() => Tensor.empty(GGMLType.F32, [2 ** 20, 2 ** 18]), "OUT_OF_MEMORY", /cannot allocate 1099511627776 bytes/);
    expect(memoryStats().used).toBe(before);
  });
});

describe("JS-side failures inside native calls", () => {
  it("a throwing getter becomes a KernelError with the original error as cause", () => {
    const node = {
      get op(): string {
        throw new RangeError("boom");
      },
      t: [],
    };
    const err = expectKernelError(() => new Plan([node]), "INVALID_ARGUMENT", /boom/);
    expect((err as Error & { cause?: unknown }).cause).toBeInstanceOf(RangeError);
  });

  it("SharedArrayBuffer memory is refused", () => {
    expectKernelError(() => Tensor.from(GGMLType.F32, [2], new Float32Array(new SharedArrayBuffer(8))), "INVALID_ARGUMENT", /SharedArrayBuffer/);
  });
});
