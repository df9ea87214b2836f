// One tensor's values between f32 and its stored type. F32/F16/BF16 are converted here; the
// quantized types go through the native, llama.cpp/bitnet.cpp-compatible @ryzen/kernels codecs.

import { dequantize as nativeDequantize, quantize as nativeQuantize } from "@ryzen/kernels";
import { bf16ToF32, f16ToF32, f32ToBF16, f32ToF16 } from "../gguf/float.js";
import { GGMLType, tensorBytes, typeInfo } from "../gguf/types.js";
import { QuantizeError } from "./errors.js";
import { OUTPUT_TYPES, QUANT_TYPES, type OutputType, type QuantType } from "./types.js";

function asBytes(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** A copy of `bytes` starting at offset 0 of its own buffer (so typed views are aligned). */
function aligned(bytes: Uint8Array, unit: number): Uint8Array {
  return bytes.byteOffset % unit === 0 ? bytes : bytes.slice();
}

/** Resolves a type given by id or by name ("q8_0", "f16", ...). */
export function resolveType(type: number | QuantType | OutputType): number {
  if (typeof type === "number") return type;
  const id = (QUANT_TYPES as Record<string, { type: number }>)[type]?.type ?? (OUTPUT_TYPES as Record<string, number>)[type];
  if (id === undefined) throw new QuantizeError("BAD_OPTION", `unknown tensor type '${type}'`);
  return id;
}

/** `rows` x `cols` f32 values encoded as `type`. */
export function encodeRows(type: number, data: Float32Array, rows: number, cols: number): Uint8Array {
  switch (type) {
    case GGMLType.F32: return asBytes(data);
    case GGMLType.F16: return asBytes(f32ToF16(data));
    case GGMLType.BF16: return asBytes(f32ToBF16(data));
    default: return nativeQuantize(type, data, rows, cols);
  }
}

/** Stored `type` bytes of `rows` x `cols` elements back to f32. */
export function decodeRows(type: number, bytes: Uint8Array, rows: number, cols: number): Float32Array {
  const n = rows * cols;
  switch (type) {
    case GGMLType.F32: {
      const b = aligned(bytes, 4);
      return new Float32Array(b.buffer, b.byteOffset, n).slice();
    }
    case GGMLType.F16:
    case GGMLType.BF16: {
      const b = aligned(bytes, 2);
      const u16 = new Uint16Array(b.buffer, b.byteOffset, n);
      return type === GGMLType.F16 ? f16ToF32(u16) : bf16ToF32(u16);
    }
    default:
      return nativeDequantize(type, bytes, rows, cols);
  }
}

/** Encode a whole tensor of f32 values (GGUF shape order: shape[0] is the row length) as
 *  `type`, bit-compatible with llama.cpp / bitnet.cpp. For building models (tests, bench). */
export function quantizeTensor(type: number | QuantType | OutputType, data: Float32Array, shape: readonly number[]): Uint8Array {
  const id = resolveType(type);
  let bytes: number;
  try {
    bytes = tensorBytes(id, [...shape]);
  } catch (e) {
    throw new QuantizeError("BAD_OPTION", `cannot store shape [${shape.join(", ")}] as ${typeInfo(id).name}: ${(e as Error).message}`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new QuantizeError("BAD_OPTION", `${data.length} values for shape [${shape.join(", ")}] (${n} elements)`);
  const out = encodeRows(id, data, n / shape[0], shape[0]);
  if (out.byteLength !== bytes) {
    throw new QuantizeError("BAD_DATA", `${typeInfo(id).name} encoder produced ${out.byteLength} bytes, expected ${bytes}`);
  }
  return out;
}

/** The f32 values of a stored tensor (inverse of quantizeTensor, up to the type's precision). */
export function dequantizeTensor(type: number | QuantType | OutputType, bytes: Uint8Array, shape: readonly number[]): Float32Array {
  const id = resolveType(type);
  const want = tensorBytes(id, [...shape]);
  if (bytes.byteLength !== want) throw new QuantizeError("BAD_DATA", `${bytes.byteLength} bytes for ${typeInfo(id).name} [${shape.join(", ")}], expected ${want}`);
  return decodeRows(id, bytes, shape.slice(1).reduce((a, b) => a * b, 1), shape[0]);
}
