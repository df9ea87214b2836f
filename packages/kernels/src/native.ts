// Types of the native addon's exports and the loaded instance (see API.md for the contract).
import { fileURLToPath } from "node:url";
import { KernelError } from "./errors.js";
import { loadNativeFrom } from "./loader.js";

export type IsaName = "scalar" | "avx2" | "avx512";

export interface CpuInfo {
  vendor: string;
  brand: string;
  features: Record<string, boolean>;
  /** the active path */
  isa: IsaName;
  /** the widest path this CPU supports */
  best: IsaName;
  available: IsaName[];
  physicalCores: number;
  logicalCores: number;
  threads: number;
  /** where weight prefetches go: "l2" on Intel, "l1" elsewhere; RYZEN_PREFETCH=l1|l2 overrides */
  prefetch: "l1" | "l2";
  /** AMX-INT8 tiles in use for ternary prefill (CPU has them, the OS granted them, RYZEN_AMX is not 0); features.amxInt8: the CPU has them */
  amx: boolean;
  /** true when the SIMD library for that path is linked and compiled with the flags it assumes */
  libraries: { avx2: boolean; avx512: boolean };
}

export interface TypeInfo {
  name: string;
  blockSize: number;
  typeSize: number;
  known: boolean;
}

/** A typed, shaped tensor over native (pool, mmap) or JS memory. Shapes are GGUF order: shape[0] is innermost. */
export declare class TensorHandle {
  private constructor();
  /** zeroed, 64-byte aligned, from the memory pool */
  static empty(type: number, shape: number[]): TensorHandle;
  /** zero-copy view of `data` (kept alive); its byteLength must match the type and shape exactly */
  static from(type: number, shape: number[], data: ArrayBuffer | ArrayBufferView): TensorHandle;
  /** copies into pool memory */
  static fromFloat32(shape: number[], data: Float32Array): TensorHandle;
  readonly type: number;
  readonly shape: number[];
  readonly byteLength: number;
  readonly disposed: boolean;
  /** zero-copy view of the tensor's bytes (keeps the memory alive while referenced) */
  bytes(): Uint8Array;
  /** zero-copy, f32 tensors only */
  f32(): Float32Array;
  /** zero-copy, i32 tensors only */
  i32(): Int32Array;
  /** view of rows [first, first+count) along shape[1..] flattened, shaped [shape[0], count] */
  rows(first: number, count: number): TensorHandle;
  /** view of the same bytes with another shape */
  reshape(shape: number[]): TensorHandle;
  /** dequantizing copy (any known type) */
  toFloat32(): Float32Array;
  /** repack into the engine's matmul layout now (otherwise on first matmul); weights must not change afterwards */
  prepare(): this;
  /** releases this handle; views, plans and ArrayBuffers keep the memory alive until they go */
  dispose(): void;
}

/** Read-only (private copy-on-write) mmap of a file. */
export declare class MappedFileHandle {
  private constructor();
  static open(path: string): MappedFileHandle;
  readonly size: number;
  readonly path: string;
  readonly disposed: boolean;
  /** external, zero-copy ArrayBuffer over the whole mapping; keeps the mapping alive */
  buffer(): ArrayBuffer;
  /** zero-copy tensor view, bounds-checked; keeps the mapping alive */
  tensor(type: number, shape: number[], byteOffset: number): TensorHandle;
  /** unmaps once no tensor or buffer references the mapping */
  dispose(): void;
}

export interface PlanNode {
  op: string;
  t: TensorHandle[];
  i?: number[];
  f?: number[];
}

/** A validated sequence of ops run in ONE native call, one barrier per op phase. */
export declare class PlanHandle {
  constructor(nodes: PlanNode[]);
  readonly length: number;
  readonly disposed: boolean;
  run(): void;
  dispose(): void;
}

/** Accumulated time of one profiler label (see profileStats). */
export interface ProfileEntry {
  /** op name, refined by the op (matmul: weight type, K x N, kernel; "matmul acts" for activation conversion) */
  label: string;
  op: string;
  /** step executions (one per plan run that contained it) */
  calls: number;
  /** wall time from the previous step's end to this step's end (includes barrier waits) */
  ns: number;
  /** weight bytes read, summed over calls (matmul compute steps) */
  bytes: number;
}

export interface NativeAddon {
  Tensor: typeof TensorHandle;
  MappedFile: typeof MappedFileHandle;
  Plan: typeof PlanHandle;
  cpuInfo(): CpuInfo;
  setIsa(isa: IsaName): IsaName;
  setThreads(n: number): void;
  getThreads(): number;
  memoryStats(): { reserved: number; used: number; peak: number; mapped: number; prepared: number };
  setProfiling(on: boolean): void;
  profileStats(): ProfileEntry[];
  profileReset(): void;
  memoryResetPeak(): void;
  typeName(type: number): string;
  typeInfo(type: number): TypeInfo;
  tensorBytes(type: number, shape: number[]): number;
  quantize(type: number, src: Float32Array, rows: number, cols: number): Uint8Array;
  dequantize(type: number, bytes: Uint8Array, rows: number, cols: number): Float32Array;
  matmulKernels(type: number, w?: TensorHandle): string[];
  matmulWith(kernel: string, y: TensorHandle, w: TensorHandle, x: TensorHandle): void;
  runOp(op: string, t: TensorHandle[], i?: number[], f?: number[]): void;
  opNames(): string[];
  setErrorClass(ctor: typeof KernelError): void;
}

/** The package root (folder with package.json): src/.. in development, dist/.. when built. */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));

export const native: NativeAddon = loadNativeFrom<NativeAddon>(packageRoot);
native.setErrorClass(KernelError);
