// quantizeModel: GGUF in, GGUF out, one tensor at a time and a bounded chunk of rows at a time,
// so memory stays small whatever the model size (I2_S, whose scale spans the whole tensor, is
// the exception: it holds one tensor).

import { open, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { GGUFValueType } from "@ryzen/tokenizer";
import { AbortError } from "../errors.js";
import type { GGUFFile, GGUFTensorInfo } from "../gguf/file.js";
import { readGGUF } from "../gguf/reader.js";
import { GGMLType, tensorBytes, typeInfo } from "../gguf/types.js";
import { GGUFWriter } from "../gguf/writer.js";
import { QuantizeError } from "./errors.js";
import { llamaTensorOrder, planQuantization, type TensorPlan } from "./policy.js";
import { decodeRows, encodeRows } from "./tensor.js";
import { GGML_QUANTIZATION_VERSION, QUANT_TYPES, type OutputType, type QuantType } from "./types.js";

export interface QuantizeModelOptions {
  type: QuantType;
  /** type of output.weight and token_embd.weight (default: llama.cpp's choice for `type`) */
  outputType?: OutputType;
  /** called after each tensor is written */
  onProgress?: (done: number, total: number, tensorName: string) => void;
  signal?: AbortSignal;
  /** f32 elements converted per step (default 4 Mi): bounds memory use */
  chunkElements?: number;
}

export interface QuantizedTensor {
  name: string;
  shape: number[];
  from: string;
  to: string;
  inBytes: number;
  outBytes: number;
  /** why the type differs from the one asked for */
  note?: string;
}

export interface QuantizeModelResult {
  inBytes: number;
  outBytes: number;
  tensors: QuantizedTensor[];
}

const COPY_CHUNK_BYTES = 16 * 1024 * 1024;
const SPLIT_KEYS = ["split.no", "split.count", "split.tensors.count"];

async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new QuantizeError("BAD_DATA", `unexpected end of file at offset ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

/** Copy the metadata with its original value types; llama.cpp's quantizer drops split keys
 *  and re-appends the quantization version and file type at the end. */
function copyMetadata(file: GGUFFile, w: GGUFWriter, fileType: number): void {
  for (const [key, value] of file.metadata) {
    if (SPLIT_KEYS.includes(key) || key === "general.quantization_version" || key === "general.file_type") continue;
    const type = file.types.get(key)!;
    w.setMetadata(key, value, type === GGUFValueType.ARRAY ? file.arrayTypes.get(key) : type);
  }
  w.setMetadata("general.quantization_version", GGML_QUANTIZATION_VERSION, GGUFValueType.UINT32);
  w.setMetadata("general.file_type", fileType, GGUFValueType.UINT32);
}

function checkAbort(signal?: AbortSignal) {
  if (signal?.aborted) throw new AbortError("quantization was aborted");
}

/** The output bytes of one tensor, produced in chunks. */
async function* tensorChunks(fh: FileHandle, t: GGUFTensorInfo, to: number, opts: QuantizeModelOptions): AsyncGenerator<Uint8Array> {
  if (to === t.type) {
    for (let at = 0; at < t.bytes; at += COPY_CHUNK_BYTES) {
      checkAbort(opts.signal);
      yield await readAt(fh, t.offset + at, Math.min(COPY_CHUNK_BYTES, t.bytes - at));
    }
    return;
  }
  const cols = t.shape[0];
  const rows = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const srcRowBytes = tensorBytes(t.type, [cols]);
  // I2_S has one scale for the whole tensor: it must see every row at once.
  const step = to === GGMLType.I2_S ? rows : Math.max(1, Math.floor((opts.chunkElements ?? 4 * 1024 * 1024) / cols));
  for (let r = 0; r < rows; r += step) {
    checkAbort(opts.signal);
    const n = Math.min(step, rows - r);
    const src = await readAt(fh, t.offset + r * srcRowBytes, n * srcRowBytes);
    yield encodeRows(to, decodeRows(t.type, src, n, cols), n, cols);
  }
}

/** Convert the F32/F16/BF16 weights of a GGUF model to `options.type`, writing a new GGUF. */
export async function quantizeModel(inPath: string, outPath: string, options: QuantizeModelOptions): Promise<QuantizeModelResult> {
  if (resolve(inPath) === resolve(outPath)) throw new QuantizeError("BAD_OPTION", "the output path must differ from the input path");
  checkAbort(options.signal);
  const file = await readGGUF(inPath);
  const tensors = llamaTensorOrder(file.tensors);
  const plan: TensorPlan[] = planQuantization(tensors, options);
  const w = new GGUFWriter();
  copyMetadata(file, w, QUANT_TYPES[options.type].fileType);

  const results: QuantizedTensor[] = [];
  let done = 0;
  const fh = await open(inPath, "r");
  try {
    tensors.forEach((t, i) => {
      const to = plan[i].to;
      const outBytes = tensorBytes(to, t.shape);
      results.push({
        name: t.name, shape: [...t.shape], from: t.typeName, to: typeInfo(to).name,
        inBytes: t.bytes, outBytes, ...(plan[i].note ? { note: plan[i].note } : {}),
      });
      w.addTensor(t.name, to, t.shape, async function* () {
        yield* tensorChunks(fh, t, to, options);
        options.onProgress?.(++done, tensors.length, t.name);
      });
    });
    await w.write(outPath);
  } finally {
    await fh.close();
  }
  return {
    inBytes: results.reduce((a, t) => a + t.inBytes, 0),
    outBytes: results.reduce((a, t) => a + t.outBytes, 0),
    tensors: results,
  };
}
