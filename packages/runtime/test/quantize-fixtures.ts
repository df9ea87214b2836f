// Models for the quantizer tests, built with GGUFWriter from stories260K's real metadata.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GGUFValueType, GGUFWriter, readGGUFFromBytes, type GGUFFile, type GGUFTensorInfo } from "../src/gguf/index.js";

export const STORIES = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));

export function storiesBytes(): Uint8Array {
  return new Uint8Array(readFileSync(STORIES));
}

/** The f32 values of an F32 tensor of a file held in memory. */
export function f32Of(bytes: Uint8Array, t: GGUFTensorInfo): Float32Array {
  return new Float32Array(bytes.slice(t.offset, t.offset + t.bytes).buffer);
}

export function copyMetadata(from: GGUFFile, to: GGUFWriter, except: string[] = []): void {
  for (const [k, v] of from.metadata) {
    if (except.includes(k)) continue;
    const t = from.types.get(k)!;
    to.setMetadata(k, v, t === GGUFValueType.ARRAY ? from.arrayTypes.get(k) : t);
  }
}

/** stories260K with its tensors stored as `type` (F16 or BF16). */
export function storiesAs(type: 1 | 30): Uint8Array {
  const bytes = storiesBytes();
  const f = readGGUFFromBytes(bytes);
  const w = new GGUFWriter();
  copyMetadata(f, w);
  for (const t of f.tensors) w.addTensor(t.name, t.shape.length === 1 ? 0 : type, t.shape, f32Of(bytes, t));
  return w.toBytes();
}

export function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export const TERNARY_DIMS = { embd: 256, ff: 512, heads: 4, kvHeads: 2, layers: 2, vocab: 512 };

/** A llama-architecture model (stories260K's vocab) whose projections are ternary-valued
 *  (each tensor: {-a, 0, +a}, half of them zero) with row lengths that are multiples of 256,
 *  so every quantization type applies. Embedding and head are random normals. F32. */
export function ternaryLlama(seed = 7): Uint8Array {
  const f = readGGUFFromBytes(storiesBytes());
  const { embd, ff, heads, kvHeads, layers, vocab } = TERNARY_DIMS;
  const rnd = lcg(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const w = new GGUFWriter();
  copyMetadata(f, w);
  w.setMetadata("llama.embedding_length", embd, GGUFValueType.UINT32);
  w.setMetadata("llama.feed_forward_length", ff, GGUFValueType.UINT32);
  w.setMetadata("llama.attention.head_count", heads, GGUFValueType.UINT32);
  w.setMetadata("llama.attention.head_count_kv", kvHeads, GGUFValueType.UINT32);
  w.setMetadata("llama.block_count", layers, GGUFValueType.UINT32);
  w.setMetadata("llama.rope.dimension_count", embd / heads, GGUFValueType.UINT32);
  const dense = (shape: number[], scale: number) => new Float32Array(shape[0] * (shape[1] ?? 1)).map(() => normal() * scale);
  const ternary = (shape: number[]) => {
    const a = 0.01 + rnd() * 0.05;
    return new Float32Array(shape[0] * shape[1]).map(() => (rnd() < 0.5 ? 0 : rnd() < 0.5 ? -a : a));
  };
  const kv = (embd / heads) * kvHeads;
  w.addTensor("token_embd.weight", 0, [embd, vocab], dense([embd, vocab], 0.3));
  w.addTensor("output_norm.weight", 0, [embd], dense([embd], 0.1).map((x) => 1 + x));
  w.addTensor("output.weight", 0, [embd, vocab], dense([embd, vocab], 0.05));
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`;
    w.addTensor(p + "attn_norm.weight", 0, [embd], dense([embd], 0.1).map((x) => 1 + x));
    w.addTensor(p + "attn_q.weight", 0, [embd, embd], ternary([embd, embd]));
    w.addTensor(p + "attn_k.weight", 0, [embd, kv], ternary([embd, kv]));
    w.addTensor(p + "attn_v.weight", 0, [embd, kv], ternary([embd, kv]));
    w.addTensor(p + "attn_output.weight", 0, [embd, embd], ternary([embd, embd]));
    w.addTensor(p + "ffn_norm.weight", 0, [embd], dense([embd], 0.1).map((x) => 1 + x));
    w.addTensor(p + "ffn_gate.weight", 0, [embd, ff], ternary([embd, ff]));
    w.addTensor(p + "ffn_up.weight", 0, [embd, ff], ternary([embd, ff]));
    w.addTensor(p + "ffn_down.weight", 0, [ff, embd], ternary([ff, embd]));
  }
  return w.toBytes();
}
