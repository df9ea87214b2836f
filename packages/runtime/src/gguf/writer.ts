// GGUF v3 writer. Metadata is encoded (and checked) when set; tensor data is either given
// up front or produced lazily in chunks at write time, so write() streams multi-GB models to
// disk with bounded memory.

import { open, rename, rm } from "node:fs/promises";
import { GGUFValueType, type GGUFValue } from "@ryzen/tokenizer";
import { ByteBuilder } from "./bytes.js";
import { f32ToBF16, f32ToF16 } from "./float.js";
import { GGUF_DEFAULT_ALIGNMENT } from "./reader.js";
import { GGMLType, tensorBytes, typeInfo } from "./types.js";
import { encodeValue, type EncodedValue } from "./values.js";

const GGUF_MAGIC = 0x46554747;
const GGUF_VERSION = 3;

/** Tensor data: raw bytes of the tensor's type, f32 values (for F32/F16/BF16 tensors), or a
 *  function producing the raw bytes in chunks when the file is written. */
export type GGUFTensorData =
  | Uint8Array
  | Float32Array
  | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);

interface PendingTensor {
  name: string;
  type: number;
  shape: number[];
  bytes: number;
  data: Uint8Array | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);
}

interface Layout {
  header: Uint8Array;
  dataOffset: number;
  alignment: number;
  /** tensor data offsets relative to dataOffset */
  offsets: number[];
  fileSize: number;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

function asBytes(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** general.alignment must be a u32 power of two (llama.cpp's rule), here at most 64 KiB. */
function alignmentOf(enc: EncodedValue): number {
  // stored as: u32 type tag, then the value
  const v = enc.type === GGUFValueType.UINT32 ? new DataView(enc.bytes.buffer, enc.bytes.byteOffset).getUint32(4, true) : -1;
  if (v < 1 || v > 65536 || (v & (v - 1)) !== 0) throw new RangeError("general.alignment must be a u32 power of two from 1 to 65536");
  return v;
}

export class GGUFWriter {
  private readonly kv = new Map<string, EncodedValue>();
  private readonly tensors: PendingTensor[] = [];
  private readonly names = new Set<string>();

  /** Set a metadata value (replacing an existing key in place). `type` forces the value type;
   *  for arrays it is the element type (of the innermost arrays when nested). */
  setMetadata(key: string, value: GGUFValue, type?: GGUFValueType): this {
    if (typeof key !== "string" || key.length === 0) throw new TypeError("GGUF metadata key must be a non-empty string");
    const enc = encodeValue(key, value, type);
    if (key === "general.alignment") alignmentOf(enc); // reject a bad alignment now
    this.kv.set(key, enc);
    return this;
  }

  deleteMetadata(key: string): boolean {
    return this.kv.delete(key);
  }

  hasMetadata(key: string): boolean {
    return this.kv.has(key);
  }

  /** Add a tensor. `shape` is in GGUF order (shape[0] contiguous). */
  addTensor(name: string, type: number, shape: readonly number[], data: GGUFTensorData): this {
    if (typeof name !== "string" || name.length === 0) throw new TypeError("tensor name must be a non-empty string");
    if (this.names.has(name)) throw new Error(`tensor '${name}' was already added`);
    if (shape.length < 1 || shape.length > 4) throw new RangeError(`tensor '${name}': ${shape.length} dimensions (1 to 4 allowed)`);
    let bytes: number;
    try {
      bytes = tensorBytes(type, [...shape]);
    } catch (e) {
      throw new RangeError(`tensor '${name}': ${(e as Error).message}`);
    }
    let stored: PendingTensor["data"];
    if (data instanceof Float32Array) {
      const n = shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) throw new RangeError(`tensor '${name}': ${data.length} values for shape [${shape.join(", ")}] (${n} elements)`);
      if (type === GGMLType.F32) stored = asBytes(data);
      else if (type === GGMLType.F16) stored = asBytes(f32ToF16(data));
      else if (type === GGMLType.BF16) stored = asBytes(f32ToBF16(data));
      else throw new TypeError(`tensor '${name}': f32 values can be stored as f32, f16 or bf16; quantize them to ${typeInfo(type).name} first (quantizeTensor)`);
    } else if (data instanceof Uint8Array) {
      if (data.byteLength !== bytes) {
        throw new RangeError(`tensor '${name}': ${data.byteLength} bytes given, ${typeInfo(type).name} [${shape.join(", ")}] needs ${bytes}`);
      }
      stored = data;
    } else if (typeof data === "function") {
      stored = data;
    } else {
      throw new TypeError(`tensor '${name}': data must be a Uint8Array, a Float32Array or a chunk producer`);
    }
    this.names.add(name);
    this.tensors.push({ name, type, shape: [...shape], bytes, data: stored });
    return this;
  }

  get tensorCount(): number {
    return this.tensors.length;
  }

  private alignment(): number {
    const enc = this.kv.get("general.alignment");
    return enc ? alignmentOf(enc) : GGUF_DEFAULT_ALIGNMENT;
  }

  private layout(): Layout {
    const alignment = this.alignment();
    const out = new ByteBuilder();
    out.u32(GGUF_MAGIC);
    out.u32(GGUF_VERSION);
    out.u64(BigInt(this.tensors.length));
    out.u64(BigInt(this.kv.size));
    const utf8 = new TextEncoder();
    const str = (s: string) => {
      const b = utf8.encode(s);
      out.u64(BigInt(b.byteLength));
      out.bytes(b);
    };
    for (const [key, enc] of this.kv) {
      str(key);
      out.bytes(enc.bytes);
    }
    const offsets: number[] = [];
    let rel = 0;
    for (const t of this.tensors) {
      str(t.name);
      out.u32(t.shape.length);
      for (const d of t.shape) out.u64(BigInt(d));
      out.u32(t.type);
      out.u64(BigInt(rel));
      offsets.push(rel);
      rel += alignUp(t.bytes, alignment);
    }
    const dataOffset = alignUp(out.length, alignment);
    out.zeros(dataOffset - out.length);
    return { header: out.result(), dataOffset, alignment, offsets, fileSize: dataOffset + rel };
  }

  /** The whole file in memory (tests, small models). Lazy tensor data must be synchronous. */
  toBytes(): Uint8Array {
    const { header, dataOffset, offsets, fileSize } = this.layout();
    const file = new Uint8Array(fileSize);
    file.set(header);
    this.tensors.forEach((t, i) => {
      let at = dataOffset + offsets[i];
      const end = at + t.bytes;
      const chunks = t.data instanceof Uint8Array ? [t.data] : t.data();
      if (!(Symbol.iterator in chunks)) throw new TypeError(`tensor '${t.name}': toBytes() needs synchronous data; use write()`);
      for (const c of chunks as Iterable<Uint8Array>) {
        if (at + c.byteLength > end) throw new RangeError(`tensor '${t.name}': data source produced more than ${t.bytes} bytes`);
        file.set(c, at);
        at += c.byteLength;
      }
      if (at !== end) throw new RangeError(`tensor '${t.name}': data source produced ${at - (end - t.bytes)} of ${t.bytes} bytes`);
    });
    return file;
  }

  /** Stream the file to `path` (written to a temporary name, renamed when complete). */
  async write(path: string): Promise<void> {
    const { header, alignment } = this.layout();
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    const fh = await open(tmp, "w");
    let ok = false;
    try {
      let pos = 0;
      const put = async (b: Uint8Array) => {
        let done = 0;
        while (done < b.byteLength) {
          const { bytesWritten } = await fh.write(b, done, b.byteLength - done, pos + done);
          done += bytesWritten;
        }
        pos += b.byteLength;
      };
      await put(header);
      for (const t of this.tensors) {
        let n = 0;
        const chunks = t.data instanceof Uint8Array ? [t.data] : t.data();
        for await (const c of chunks) {
          n += c.byteLength;
          if (n > t.bytes) throw new RangeError(`tensor '${t.name}': data source produced more than ${t.bytes} bytes`);
          await put(c);
        }
        if (n !== t.bytes) throw new RangeError(`tensor '${t.name}': data source produced ${n} of ${t.bytes} bytes`);
        const pad = alignUp(t.bytes, alignment) - t.bytes;
        if (pad > 0) await put(new Uint8Array(pad));
      }
      ok = true;
    } finally {
      await fh.close();
      if (!ok) await rm(tmp, { force: true });
    }
    await rename(tmp, path);
  }
}
