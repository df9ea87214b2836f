// Browser-safe reader for the header and metadata (key/value) section of a GGUF file.
// The tokenizer needs only this part; @ryzen/runtime builds its tensor-table reader on it.
// Every length and count is checked against the bytes actually present before use.

import { decodeUtf8 } from "./utf8-decode.js";

export enum GGUFValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** A metadata value. 64-bit integers are numbers when exact, bigint otherwise.
 *  Numeric arrays become typed arrays (copies), string arrays string[], nested arrays GGUFValue[]. */
export type GGUFValue =
  | number
  | bigint
  | boolean
  | string
  | string[]
  | GGUFValue[]
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array;

export interface GGUFMetadata {
  version: number;
  tensorCount: number;
  /** key -> value, in file order */
  metadata: Map<string, GGUFValue>;
  /** key -> value type (for arrays: ARRAY; see arrayTypes for the element type) */
  types: Map<string, GGUFValueType>;
  arrayTypes: Map<string, GGUFValueType>;
  /** byte offset just past the metadata section (where the tensor table starts) */
  offset: number;
}

export type GGUFErrorCode = "BAD_MAGIC" | "BAD_VERSION" | "TRUNCATED" | "BAD_VALUE" | "LIMIT";

/** A GGUF file that is truncated, corrupt or inconsistent. `key` names the metadata key involved. */
export class GGUFFormatError extends Error {
  override readonly name = "GGUFFormatError";
  constructor(
    readonly code: GGUFErrorCode,
    message: string,
    readonly key?: string,
  ) {
    super(message);
  }
}

export interface ReadMetadataOptions {
  /** Longest accepted string, in bytes (default 16 MiB). */
  maxStringBytes?: number;
  /** Most elements accepted in one array (default 64 Mi). */
  maxArrayLength?: number;
  /** Most key/value pairs (default 1 Mi). */
  maxKeyValues?: number;
}

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian

/** Little-endian cursor over bytes that throws GGUFFormatError instead of reading past the end. */
export class GGUFCursor {
  private readonly view: DataView;
  pos: number;
  context = "header";

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.byteLength) {
      throw new GGUFFormatError(
        "TRUNCATED",
        `GGUF is truncated: ${this.context} needs ${n} bytes at offset ${this.pos}, file has ${this.bytes.byteLength}`,
      );
    }
  }
  u8(): number { this.need(1); return this.view.getUint8(this.pos++); }
  i8(): number { this.need(1); return this.view.getInt8(this.pos++); }
  u16(): number { this.need(2); const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  i16(): number { this.need(2); const v = this.view.getInt16(this.pos, true); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  f32(): number { this.need(4); const v = this.view.getFloat32(this.pos, true); this.pos += 4; return v; }
  f64(): number { this.need(8); const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v; }
  u64big(): bigint { this.need(8); const v = this.view.getBigUint64(this.pos, true); this.pos += 8; return v; }
  i64big(): bigint { this.need(8); const v = this.view.getBigInt64(this.pos, true); this.pos += 8; return v; }
  /** A u64 that must fit in a JS number (counts, sizes, offsets). */
  u64(what: string): number {
    const v = this.u64big();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new GGUFFormatError("BAD_VALUE", `GGUF ${what} is too large: ${v}`);
    }
    return Number(v);
  }
  string(maxBytes: number): string {
    const len = this.u64("string length");
    if (len > maxBytes) {
      throw new GGUFFormatError("LIMIT", `GGUF ${this.context}: string of ${len} bytes exceeds the limit of ${maxBytes}`);
    }
    this.need(len);
    const s = decodeUtf8(this.bytes, this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

const SCALAR_SIZES: Partial<Record<GGUFValueType, number>> = {
  [GGUFValueType.UINT8]: 1, [GGUFValueType.INT8]: 1, [GGUFValueType.BOOL]: 1,
  [GGUFValueType.UINT16]: 2, [GGUFValueType.INT16]: 2,
  [GGUFValueType.UINT32]: 4, [GGUFValueType.INT32]: 4, [GGUFValueType.FLOAT32]: 4,
  [GGUFValueType.UINT64]: 8, [GGUFValueType.INT64]: 8, [GGUFValueType.FLOAT64]: 8,
};

function toNumberIfSafe(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

function readScalar(c: GGUFCursor, type: GGUFValueType, key: string, opts: Required<ReadMetadataOptions>): GGUFValue {
  switch (type) {
    case GGUFValueType.UINT8: return c.u8();
    case GGUFValueType.INT8: return c.i8();
    case GGUFValueType.UINT16: return c.u16();
    case GGUFValueType.INT16: return c.i16();
    case GGUFValueType.UINT32: return c.u32();
    case GGUFValueType.INT32: return c.i32();
    case GGUFValueType.FLOAT32: return c.f32();
    case GGUFValueType.FLOAT64: return c.f64();
    case GGUFValueType.UINT64: return toNumberIfSafe(c.u64big());
    case GGUFValueType.INT64: return toNumberIfSafe(c.i64big());
    case GGUFValueType.BOOL: {
      const b = c.u8();
      if (b > 1) throw new GGUFFormatError("BAD_VALUE", `GGUF key '${key}': bool value ${b} is not 0 or 1`, key);
      return b === 1;
    }
    case GGUFValueType.STRING: return c.string(opts.maxStringBytes);
    default:
      throw new GGUFFormatError("BAD_VALUE", `GGUF key '${key}': unknown value type ${type}`, key);
  }
}

function readTypedArray(c: GGUFCursor, type: GGUFValueType, n: number): GGUFValue {
  const size = SCALAR_SIZES[type]!;
  c.need(n * size);
  // Copy into a fresh, aligned buffer so the typed array does not alias or misalign.
  // (Uint8Array.prototype.slice is not enough: on a Node Buffer it returns a view of a pooled buffer.)
  const copy = new Uint8Array(n * size);
  copy.set(c.bytes.subarray(c.pos, c.pos + n * size));
  c.pos += n * size;
  const buf = copy.buffer;
  switch (type) {
    case GGUFValueType.UINT8: return copy;
    case GGUFValueType.INT8: return new Int8Array(buf);
    case GGUFValueType.BOOL: return copy;
    case GGUFValueType.UINT16: return new Uint16Array(buf);
    case GGUFValueType.INT16: return new Int16Array(buf);
    case GGUFValueType.UINT32: return new Uint32Array(buf);
    case GGUFValueType.INT32: return new Int32Array(buf);
    case GGUFValueType.FLOAT32: return new Float32Array(buf);
    case GGUFValueType.FLOAT64: return new Float64Array(buf);
    case GGUFValueType.UINT64: return new BigUint64Array(buf);
    default: return new BigInt64Array(buf); // INT64
  }
}

function readArray(c: GGUFCursor, key: string, opts: Required<ReadMetadataOptions>, depth: number): [GGUFValue, GGUFValueType] {
  if (depth > 8) throw new GGUFFormatError("LIMIT", `GGUF key '${key}': arrays nested deeper than 8`, key);
  const elemType = c.u32() as GGUFValueType;
  const n = c.u64(`array length of '${key}'`);
  if (n > opts.maxArrayLength) {
    throw new GGUFFormatError("LIMIT", `GGUF key '${key}': array of ${n} elements exceeds the limit of ${opts.maxArrayLength}`, key);
  }
  if (SCALAR_SIZES[elemType] !== undefined) return [readTypedArray(c, elemType, n), elemType];
  if (elemType === GGUFValueType.STRING) {
    c.need(n * 8); // every string has at least its 8-byte length: rejects absurd counts early
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = c.string(opts.maxStringBytes);
    return [out, elemType];
  }
  if (elemType === GGUFValueType.ARRAY) {
    c.need(n * 12);
    const out: GGUFValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readArray(c, key, opts, depth + 1)[0];
    return [out, elemType];
  }
  throw new GGUFFormatError("BAD_VALUE", `GGUF key '${key}': unknown array element type ${elemType}`, key);
}

/** Parse the GGUF header and metadata. `bytes` may hold just a prefix of the file; if the
 *  metadata does not fit, a GGUFFormatError with code TRUNCATED is thrown. */
export function readGGUFMetadata(bytes: Uint8Array, options: ReadMetadataOptions = {}): GGUFMetadata {
  const opts: Required<ReadMetadataOptions> = {
    maxStringBytes: options.maxStringBytes ?? 16 * 1024 * 1024,
    maxArrayLength: options.maxArrayLength ?? 64 * 1024 * 1024,
    maxKeyValues: options.maxKeyValues ?? 1024 * 1024,
  };
  const c = new GGUFCursor(bytes);
  if (bytes.byteLength < 4 || c.u32() !== GGUF_MAGIC) {
    throw new GGUFFormatError("BAD_MAGIC", "not a GGUF file (magic bytes are not 'GGUF')");
  }
  const version = c.u32();
  if (version !== 2 && version !== 3) {
    throw new GGUFFormatError("BAD_VERSION", `unsupported GGUF version ${version} (supported: 2, 3)`);
  }
  const tensorCount = c.u64("tensor count");
  const kvCount = c.u64("metadata count");
  if (kvCount > opts.maxKeyValues) {
    throw new GGUFFormatError("LIMIT", `GGUF declares ${kvCount} metadata entries (limit ${opts.maxKeyValues})`);
  }
  const metadata = new Map<string, GGUFValue>();
  const types = new Map<string, GGUFValueType>();
  const arrayTypes = new Map<string, GGUFValueType>();
  for (let k = 0; k < kvCount; k++) {
    c.context = `metadata entry ${k}`;
    const key = c.string(65536);
    c.context = `metadata key '${key}'`;
    if (metadata.has(key)) throw new GGUFFormatError("BAD_VALUE", `GGUF metadata key '${key}' appears twice`, key);
    const type = c.u32() as GGUFValueType;
    if (type === GGUFValueType.ARRAY) {
      const [value, elemType] = readArray(c, key, opts, 0);
      metadata.set(key, value);
      arrayTypes.set(key, elemType);
    } else {
      metadata.set(key, readScalar(c, type, key, opts));
    }
    types.set(key, type);
  }
  return { version, tensorCount, metadata, types, arrayTypes, offset: c.pos };
}
