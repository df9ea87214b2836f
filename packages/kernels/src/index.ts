// @ryzen/kernels: native CPU kernels for LLM inference. See API.md for the contract.
import { native } from "./native.js";

export { KernelError, type KernelErrorCode } from "./errors.js";
export { REBUILD_COMMAND, loadNativeFrom, nativeCandidates } from "./loader.js";
export { ops, nodes, type RopeOptions, type AttentionOptions, type KvShiftOptions } from "./ops.js";
export type { CpuInfo, IsaName, PlanNode, TypeInfo, NativeAddon, ProfileEntry } from "./native.js";
import type { TensorHandle, MappedFileHandle, PlanHandle, IsaName, CpuInfo, TypeInfo, ProfileEntry } from "./native.js";

/** GGUF / ggml tensor type ids (I2_S is bitnet.cpp's id in its own files). */
export const GGMLType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  Q4_K: 12,
  Q6_K: 14,
  I8: 24,
  I16: 25,
  I32: 26,
  BF16: 30,
  TQ1_0: 34,
  TQ2_0: 35,
  I2_S: 36,
} as const;
export type GGMLTypeId = (typeof GGMLType)[keyof typeof GGMLType];

export type Tensor = TensorHandle;
export const Tensor: typeof TensorHandle = native.Tensor;
export type MappedFile = MappedFileHandle;
export const MappedFile: typeof MappedFileHandle = native.MappedFile;
export type Plan = PlanHandle;
export const Plan: typeof PlanHandle = native.Plan;

export interface MemoryStats {
  /** bytes held from the OS: in use plus cached free blocks */
  reserved: number;
  /** bytes of live pool allocations */
  used: number;
  /** max of `used` since start or the last resetPeak() */
  peak: number;
  /** bytes of live file mappings */
  mapped: number;
  /** bytes of live repacked matmul weights (engine-layout copies made by prepare(), outside the pool) */
  prepared: number;
  resetPeak(): void;
}

export const cpuInfo = (): CpuInfo => native.cpuInfo();
/** Selects the ISA path (clamped to what the CPU has); returns the path now active. */
export const setIsa = (isa: IsaName): IsaName => native.setIsa(isa);
/** Threads of the persistent pool (default: physical cores). */
export const setThreads = (n: number): void => native.setThreads(n);
export const getThreads = (): number => native.getThreads();
export function memoryStats(): MemoryStats {
  return { ...native.memoryStats(), resetPeak: () => native.memoryResetPeak() };
}

/**
 * Plan profiler: when on (also RYZEN_PROFILE=1 at start), every plan run times each node phase
 * (wall time between barriers) and accumulates it per label. Cheap when off.
 */
export const setProfiling = (on: boolean): void => native.setProfiling(on);
/** Accumulated profile since start or the last resetProfile(), one entry per label ever seen. */
export const profileStats = (): ProfileEntry[] => native.profileStats();
export const resetProfile = (): void => native.profileReset();

export const typeName = (type: number): string => native.typeName(type);
export const typeInfo = (type: number): TypeInfo => native.typeInfo(type);
/** Bytes of a tensor of `type` and `shape` (I2_S includes its 32-byte tail); throws on a bad shape. */
export const tensorBytes = (type: number, shape: number[]): number => native.tensorBytes(type, shape);

/** Encodes rows x cols floats into on-disk bytes, bit-compatible with llama.cpp / bitnet.cpp. */
export const quantize = (type: number, src: Float32Array, rows: number, cols: number): Uint8Array =>
  native.quantize(type, src, rows, cols);
export const dequantize = (type: number, bytes: Uint8Array, rows: number, cols: number): Float32Array =>
  native.dequantize(type, bytes, rows, cols);

/** Runs one op now: t = tensors (outputs first), i = integer params, f = float params. */
export const runOp = (op: string, t: Tensor[], i?: number[], f?: number[]): void => native.runOp(op, t, i, f);
/** Names of all registered ops. */
export const opNames = (): string[] => native.opNames();

/**
 * Matmul kernels available for `type` on the active ISA. With `w` (a tensor of that type, prepared
 * now if it is not yet), only those that run on its engine layout (ternary weights are prepared in
 * T3 or T2: see the package README).
 */
export const matmulKernels = (type: number, w?: Tensor): string[] => native.matmulKernels(type, w);
/** y = x·Wᵀ with one named kernel (any ISA the CPU has), e.g. "tq2_0.lut.avx512". */
export const matmulWith = (kernel: string, y: Tensor, w: Tensor, x: Tensor): void => native.matmulWith(kernel, y, w, x);
