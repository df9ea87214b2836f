// ggml tensor types as the GGUF reader, writer and quantizer need them: name, block size
// and bytes per block, and the byte size of a whole tensor.
//
// TEMPORARY: @ryzen/kernels will export typeInfo()/tensorBytes() from the native dtype table
// (native/core/dtype.h). Until it does, this mirrors the same facts for the types the engine
// supports; once it lands this module re-exports the kernels' functions instead.

export const GGMLType = {
  F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14, I8: 24, I16: 25, I32: 26,
  BF16: 30, TQ1_0: 34, TQ2_0: 35, I2_S: 36,
} as const;

export interface GGMLTypeInfo {
  name: string;
  /** elements per block (1 for plain types) */
  blockSize: number;
  /** bytes per block */
  typeSize: number;
  /** false for ids this engine cannot read */
  known: boolean;
}

const TABLE: Record<number, [string, number, number]> = {
  0: ["f32", 1, 4], 1: ["f16", 1, 2], 2: ["q4_0", 32, 18], 8: ["q8_0", 32, 34],
  12: ["q4_K", 256, 144], 14: ["q6_K", 256, 210], 24: ["i8", 1, 1], 25: ["i16", 1, 2],
  26: ["i32", 1, 4], 30: ["bf16", 1, 2], 34: ["tq1_0", 256, 54], 35: ["tq2_0", 256, 66],
  // bitnet.cpp: one 2-bit code per element, the tensor-wide scale in a 32-byte tail.
  36: ["i2_s", 1, 1],
};

/** Trailing bytes of an I2_S tensor (holds its f32 scale, padded to 32). */
export const I2S_TAIL_BYTES = 32;

export function typeInfo(type: number): GGMLTypeInfo {
  const t = TABLE[type];
  if (!t) return { name: `type${type}`, blockSize: 0, typeSize: 0, known: false };
  return { name: t[0], blockSize: t[1], typeSize: t[2], known: true };
}

export function typeName(type: number): string {
  return typeInfo(type).name;
}

/** Bytes of a tensor of `type` and `shape` (GGUF order, shape[0] contiguous).
 *  Throws RangeError for an unknown type, a bad shape, or a row length that is not a
 *  multiple of the block size. */
export function tensorBytes(type: number, shape: readonly number[]): number {
  const info = typeInfo(type);
  if (!info.known) throw new RangeError(`unknown tensor type ${type}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`bad dimension ${d} in shape [${shape.join(", ")}]`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new RangeError(`shape [${shape.join(", ")}] has too many elements`);
  }
  if (type === GGMLType.I2_S) {
    if (n % 4 !== 0) throw new RangeError(`i2_s needs a multiple of 4 elements, shape [${shape.join(", ")}] has ${n}`);
    return n / 4 + I2S_TAIL_BYTES;
  }
  if (shape[0] % info.blockSize !== 0) {
    throw new RangeError(`row length ${shape[0]} is not a multiple of ${info.name}'s block size ${info.blockSize}`);
  }
  return (n / info.blockSize) * info.typeSize;
}
