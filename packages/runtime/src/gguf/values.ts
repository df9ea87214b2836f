// Encoding of GGUF metadata values: type inference and range-checked serialization.

import { GGUFValueType as T, type GGUFValue } from "@ryzen/tokenizer";
import { ByteBuilder } from "./bytes.js";

const utf8 = new TextEncoder();

type ArrayValue = readonly unknown[] | ArrayBufferView;

function isArrayValue(v: unknown): v is ArrayValue {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

const TYPED_ARRAY_TYPES: [new (...a: never[]) => ArrayBufferView, T][] = [
  [Uint8Array, T.UINT8], [Int8Array, T.INT8], [Uint16Array, T.UINT16], [Int16Array, T.INT16],
  [Uint32Array, T.UINT32], [Int32Array, T.INT32], [Float32Array, T.FLOAT32], [Float64Array, T.FLOAT64],
  [BigUint64Array, T.UINT64], [BigInt64Array, T.INT64],
];

function typedArrayType(v: ArrayBufferView): T | undefined {
  for (const [ctor, t] of TYPED_ARRAY_TYPES) if (v instanceof ctor) return t;
  return undefined;
}

const U32_MAX = 0xffffffff;
const I32_MIN = -0x80000000;

function inferIntegerType(min: number | bigint, max: number | bigint): T {
  if (min >= 0) return max <= U32_MAX ? T.UINT32 : T.UINT64;
  return min >= I32_MIN && max <= 0x7fffffff ? T.INT32 : T.INT64;
}

/** The type a scalar gets when none is given: integers -> u32 / i32 (u64 / i64 when large),
 *  other numbers -> f32, bigint -> u64 / i64, booleans, strings. */
export function inferScalarType(key: string, v: unknown): T {
  if (typeof v === "string") return T.STRING;
  if (typeof v === "boolean") return T.BOOL;
  if (typeof v === "bigint") return v >= 0n ? T.UINT64 : T.INT64;
  if (typeof v === "number") return Number.isSafeInteger(v) ? inferIntegerType(v, v) : T.FLOAT32;
  throw new TypeError(`GGUF metadata '${key}': cannot store a value of type ${typeof v}`);
}

function inferElementType(key: string, arr: ArrayValue): T {
  if (!Array.isArray(arr)) {
    const t = typedArrayType(arr as ArrayBufferView);
    if (t === undefined) throw new TypeError(`GGUF metadata '${key}': unsupported typed array`);
    return t;
  }
  if (arr.length === 0) return T.UINT32;
  if (arr.every(isArrayValue)) return T.ARRAY;
  if (arr.every((x) => typeof x === "string")) return T.STRING;
  if (arr.every((x) => typeof x === "boolean")) return T.BOOL;
  if (arr.every((x) => typeof x === "bigint")) {
    return (arr as bigint[]).some((x) => x < 0n) ? T.INT64 : T.UINT64;
  }
  if (arr.every((x) => typeof x === "number")) {
    const nums = arr as number[];
    if (!nums.every(Number.isSafeInteger)) return T.FLOAT32;
    let min = nums[0];
    let max = nums[0];
    for (const x of nums) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    return inferIntegerType(min, max);
  }
  throw new TypeError(`GGUF metadata '${key}': array elements must all be of one kind (numbers, bigints, strings, booleans or arrays)`);
}

function intInRange(key: string, v: unknown, lo: bigint, hi: bigint, what: string): bigint {
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === "boolean") b = v ? 1n : 0n;
  else throw new TypeError(`GGUF metadata '${key}': ${String(v)} is not an integer (type ${what})`);
  if (b < lo || b > hi) throw new RangeError(`GGUF metadata '${key}': ${b} is out of range for ${what}`);
  return b;
}

function writeScalar(out: ByteBuilder, key: string, type: T, v: unknown): void {
  switch (type) {
    case T.UINT8: out.u8(Number(intInRange(key, v, 0n, 255n, "u8"))); return;
    case T.INT8: out.i8(Number(intInRange(key, v, -128n, 127n, "i8"))); return;
    case T.UINT16: out.u16(Number(intInRange(key, v, 0n, 65535n, "u16"))); return;
    case T.INT16: out.i16(Number(intInRange(key, v, -32768n, 32767n, "i16"))); return;
    case T.UINT32: out.u32(Number(intInRange(key, v, 0n, 0xffffffffn, "u32"))); return;
    case T.INT32: out.i32(Number(intInRange(key, v, -0x80000000n, 0x7fffffffn, "i32"))); return;
    case T.UINT64: out.u64(intInRange(key, v, 0n, 0xffffffffffffffffn, "u64")); return;
    case T.INT64: out.i64(intInRange(key, v, -0x8000000000000000n, 0x7fffffffffffffffn, "i64")); return;
    case T.FLOAT32:
    case T.FLOAT64: {
      if (typeof v !== "number") throw new TypeError(`GGUF metadata '${key}': ${String(v)} is not a number`);
      if (type === T.FLOAT32) out.f32(v);
      else out.f64(v);
      return;
    }
    case T.BOOL: {
      if (typeof v === "boolean") out.u8(v ? 1 : 0);
      else if (v === 0 || v === 1) out.u8(v); // bool arrays read back as Uint8Array
      else throw new TypeError(`GGUF metadata '${key}': ${String(v)} is not a boolean`);
      return;
    }
    case T.STRING: {
      if (typeof v !== "string") throw new TypeError(`GGUF metadata '${key}': ${String(v)} is not a string`);
      const b = utf8.encode(v);
      out.u64(BigInt(b.byteLength));
      out.bytes(b);
      return;
    }
    default:
      throw new TypeError(`GGUF metadata '${key}': ${type} is not a scalar value type`);
  }
}

/** Writes an array body: element type, length, elements. `hint` is the element type of the
 *  innermost arrays when the caller gave one. */
function writeArray(out: ByteBuilder, key: string, arr: ArrayValue, hint: T | undefined, depth: number): void {
  if (depth > 8) throw new RangeError(`GGUF metadata '${key}': arrays nested deeper than 8`);
  const nested = Array.isArray(arr) && arr.length > 0 && arr.every(isArrayValue);
  if (Array.isArray(arr) && !nested && arr.some(isArrayValue)) {
    throw new TypeError(`GGUF metadata '${key}': an array mixes arrays and scalars`);
  }
  const elemType = nested ? T.ARRAY : hint ?? inferElementType(key, arr);
  const len = Array.isArray(arr) ? arr.length : (arr as unknown as { length: number }).length;
  out.u32(elemType);
  out.u64(BigInt(len));
  if (elemType === T.ARRAY) {
    for (const inner of arr as ArrayValue[]) writeArray(out, key, inner, hint, depth + 1);
    return;
  }
  if (!Array.isArray(arr) && typedArrayType(arr as ArrayBufferView) === elemType) {
    const view = arr as ArrayBufferView;
    out.bytes(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)); // little-endian host
    return;
  }
  for (const x of arr as ArrayLike<unknown> as unknown[]) writeScalar(out, key, elemType, x);
}

export interface EncodedValue {
  /** value type (ARRAY for arrays) */
  type: T;
  /** the value as stored after its key: type tag and payload */
  bytes: Uint8Array;
}

/** Encode a metadata value. `type` is the scalar type, or for arrays the element type (of the
 *  innermost arrays when nested); without it the type is inferred. */
export function encodeValue(key: string, value: GGUFValue, type?: T): EncodedValue {
  const out = new ByteBuilder();
  if (isArrayValue(value)) {
    out.u32(T.ARRAY);
    writeArray(out, key, value, type === T.ARRAY ? undefined : type, 0);
    return { type: T.ARRAY, bytes: out.result().slice() };
  }
  const t = type ?? inferScalarType(key, value);
  if (t === T.ARRAY) throw new TypeError(`GGUF metadata '${key}': type ARRAY needs an array value`);
  out.u32(t);
  writeScalar(out, key, t, value);
  return { type: t, bytes: out.result().slice() };
}
