// GGUF v2/v3 reader: header, metadata (via @ryzen/tokenizer) and the tensor table, validated
// against the file's real size before anything is trusted. Tensor data is never read here.

import { open } from "node:fs/promises";
import {
  GGUFCursor,
  GGUFFormatError,
  GGUFValueType,
  readGGUFMetadata,
  type GGUFMetadata,
  type ReadMetadataOptions,
} from "@ryzen/tokenizer";
import { GGUFTensorError } from "./errors.js";
import type { GGUFFile, GGUFTensorInfo } from "./file.js";
import { tensorBytes, typeInfo } from "./types.js";

export interface ReadGGUFOptions extends ReadMetadataOptions {
  /** Most tensors accepted (default 1 Mi). */
  maxTensors?: number;
  /** readGGUF only: most header bytes (metadata + tensor table) read from disk (default 256 MiB). */
  maxHeaderBytes?: number;
  /** readGGUF only: size of the first read (default 16 MiB); it grows as the header needs. */
  initialReadBytes?: number;
}

export const GGUF_DEFAULT_ALIGNMENT = 32;
const MAX_ALIGNMENT = 1 << 16;
const MAX_DIMS = 4;
const MAX_TENSOR_NAME_BYTES = 1024;
/** Smallest possible tensor-table entry: name length, n_dims, one dim, type, offset. */
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;
// The metadata of a small model fits; a big vocabulary (a 150k-token vocab is ~8 MB) regrows the
// prefix to what the parser asks for. Not larger: the prefix is garbage after parsing but stays
// resident until V8 collects it, in the peak RSS of loading a model.
const INITIAL_PREFIX_BYTES = 1024 * 1024;

interface RawTensor {
  name: string;
  type: number;
  shape: number[];
  relOffset: number;
  bytes: number;
}

interface Header {
  meta: GGUFMetadata;
  alignment: number;
  tensors: RawTensor[];
  tableEnd: number;
}

class GGUFFileImpl implements GGUFFile {
  private readonly byName: Map<string, GGUFTensorInfo>;
  constructor(
    readonly version: number,
    readonly metadata: GGUFFile["metadata"],
    readonly types: GGUFFile["types"],
    readonly arrayTypes: GGUFFile["arrayTypes"],
    readonly tensors: GGUFTensorInfo[],
    readonly dataOffset: number,
    readonly alignment: number,
    readonly fileSize: number,
  ) {
    this.byName = new Map(tensors.map((t) => [t.name, t]));
  }
  get(key: string) {
    return this.metadata.get(key);
  }
  tensor(name: string) {
    return this.byName.get(name);
  }
}

function readAlignment(meta: GGUFMetadata): number {
  const key = "general.alignment";
  const v = meta.metadata.get(key);
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const type = meta.types.get(key);
  const isInt = type !== undefined && type !== GGUFValueType.FLOAT32 && type !== GGUFValueType.FLOAT64
    && type !== GGUFValueType.BOOL && type !== GGUFValueType.STRING && type !== GGUFValueType.ARRAY;
  if (!isInt || typeof v !== "number" || v < 1 || v > MAX_ALIGNMENT || (v & (v - 1)) !== 0) {
    throw new GGUFFormatError("BAD_VALUE", `GGUF key '${key}' must be a power of two from 1 to ${MAX_ALIGNMENT}, got ${String(v)}`, key);
  }
  return v;
}

/** Header, metadata and raw tensor table. Throws TRUNCATED (from the cursor) when `bytes`
 *  ends too early; every check that needs the real file size uses `fileSize`. */
function parseHeader(bytes: Uint8Array, fileSize: number, opts: ReadGGUFOptions): Header {
  const meta = readGGUFMetadata(bytes, opts);
  const alignment = readAlignment(meta);
  const maxTensors = opts.maxTensors ?? 1024 * 1024;
  if (meta.tensorCount > maxTensors) {
    throw new GGUFFormatError("LIMIT", `GGUF declares ${meta.tensorCount} tensors (limit ${maxTensors})`);
  }
  if (meta.tensorCount * MIN_TENSOR_INFO_BYTES > fileSize - meta.offset) {
    throw new GGUFFormatError(
      "LIMIT",
      `GGUF declares ${meta.tensorCount} tensors but the ${fileSize}-byte file has room for at most ` +
        `${Math.max(0, Math.floor((fileSize - meta.offset) / MIN_TENSOR_INFO_BYTES))} tensor entries`,
    );
  }
  const c = new GGUFCursor(bytes, meta.offset);
  const tensors: RawTensor[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < meta.tensorCount; i++) {
    c.context = `tensor ${i} of the tensor table`;
    const name = c.string(MAX_TENSOR_NAME_BYTES);
    c.context = `tensor '${name}'`;
    if (seen.has(name)) throw new GGUFTensorError("BAD_VALUE", "the name appears twice in the tensor table", name);
    seen.add(name);
    const nDims = c.u32();
    if (nDims < 1 || nDims > MAX_DIMS) {
      throw new GGUFTensorError("BAD_VALUE", `has ${nDims} dimensions (1 to ${MAX_DIMS} allowed)`, name);
    }
    const shape: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = c.u64big();
      if (dim < 1n || dim > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new GGUFTensorError("BAD_VALUE", `dimension ${d} is ${dim} (must be from 1 to 2^53 - 1)`, name);
      }
      shape.push(Number(dim));
      elements *= Number(dim);
      if (!Number.isSafeInteger(elements)) {
        throw new GGUFTensorError("LIMIT", `shape [${shape.join(", ")}...] has more elements than 2^53`, name);
      }
    }
    const type = c.u32();
    const info = typeInfo(type);
    if (!info.known) throw new GGUFTensorError("BAD_VALUE", `unknown or unsupported tensor type id ${type}`, name);
    const rel = c.u64big();
    if (rel > BigInt(Number.MAX_SAFE_INTEGER)) throw new GGUFTensorError("BAD_VALUE", `data offset ${rel} is too large`, name);
    let bytesLen: number;
    try {
      bytesLen = tensorBytes(type, shape);
    } catch (e) {
      throw new GGUFTensorError("BAD_VALUE", (e as Error).message, name);
    }
    tensors.push({ name, type, shape, relOffset: Number(rel), bytes: bytesLen });
  }
  return { meta, alignment, tensors, tableEnd: c.pos };
}

/** File-level checks: alignment, every tensor inside the file, no overlaps. */
function buildFile(h: Header, fileSize: number): GGUFFile {
  const { meta, alignment } = h;
  const dataOffset = Math.ceil(h.tableEnd / alignment) * alignment;
  const infos: GGUFTensorInfo[] = h.tensors.map((t) => {
    if (t.relOffset % alignment !== 0) {
      throw new GGUFTensorError("BAD_VALUE", `data offset ${t.relOffset} is not a multiple of the alignment ${alignment}`, t.name);
    }
    const offset = dataOffset + t.relOffset;
    if (offset + t.bytes > fileSize) {
      throw new GGUFTensorError(
        "TRUNCATED",
        `data [${offset}, ${offset + t.bytes}) lies beyond the end of the ${fileSize}-byte file`,
        t.name,
      );
    }
    return { name: t.name, type: t.type, typeName: typeInfo(t.type).name, shape: t.shape, offset, bytes: t.bytes };
  });
  const byOffset = [...infos].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    const cur = byOffset[i];
    if (cur.offset < prev.offset + prev.bytes) {
      throw new GGUFTensorError(
        "BAD_VALUE",
        `data [${cur.offset}, ${cur.offset + cur.bytes}) overlaps tensor '${prev.name}' [${prev.offset}, ${prev.offset + prev.bytes})`,
        cur.name,
      );
    }
  }
  return new GGUFFileImpl(meta.version, meta.metadata, meta.types, meta.arrayTypes, infos, dataOffset, alignment, fileSize);
}

/** Parse a whole GGUF file held in memory. */
export function readGGUFFromBytes(bytes: Uint8Array, options: ReadGGUFOptions = {}): GGUFFile {
  return buildFile(parseHeader(bytes, bytes.byteLength, options), bytes.byteLength);
}

/** Bytes the cursor wanted when it hit the end of a prefix ("needs N bytes at offset P"). */
function bytesWanted(err: GGUFFormatError): number | undefined {
  const m = /needs (\d+) bytes at offset (\d+)/.exec(err.message);
  return m ? Number(m[1]) + Number(m[2]) : undefined;
}

/** Read the header, metadata and tensor table of a GGUF file on disk. Reads a prefix of the
 *  file and grows it only as far as the header really extends; tensor data is not read. */
export async function readGGUF(path: string, options: ReadGGUFOptions = {}): Promise<GGUFFile> {
  const maxHeader = options.maxHeaderBytes ?? 256 * 1024 * 1024;
  const fh = await open(path, "r");
  try {
    const fileSize = (await fh.stat()).size;
    let prefix = new Uint8Array(0);
    let want = Math.min(fileSize, Math.max(64, options.initialReadBytes ?? INITIAL_PREFIX_BYTES), maxHeader);
    for (;;) {
      if (want > prefix.byteLength) {
        const grown = new Uint8Array(want);
        grown.set(prefix);
        let filled = prefix.byteLength;
        while (filled < want) {
          const { bytesRead } = await fh.read(grown, filled, want - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        prefix = grown.subarray(0, filled);
      }
      let header: Header;
      try {
        header = parseHeader(prefix, fileSize, options);
      } catch (e) {
        const short = e instanceof GGUFFormatError && e.code === "TRUNCATED" && prefix.byteLength < fileSize;
        if (!short) throw e;
        const need = bytesWanted(e) ?? prefix.byteLength * 2;
        if (need > fileSize) {
          throw new GGUFFormatError("TRUNCATED", e.message.replace(/file has \d+$/, `file has ${fileSize}`), e.key);
        }
        if (prefix.byteLength >= maxHeader) {
          throw new GGUFFormatError("LIMIT", `GGUF header (metadata and tensor table) is larger than the ${maxHeader}-byte limit`);
        }
        want = Math.min(fileSize, maxHeader, Math.max(need, prefix.byteLength * 4));
        continue;
      }
      return buildFile(header, fileSize);
    }
  } finally {
    await fh.close();
  }
}
