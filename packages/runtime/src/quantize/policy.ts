// Which type each tensor gets, following llama.cpp's llama-quant.cpp for the types we write:
// only 2-D+ weight matrices are quantized (norms, 1-D tensors and a few small special tensors
// keep their type); the output head (and a tied token embedding) gets Q6_K unless the target
// is Q8_0; TQ1_0/TQ2_0 models keep an untied token embedding at Q4_K; a row length that the
// chosen type's block does not divide falls back to a type that fits. bitnet.cpp's I2_S keeps
// embeddings and head in F16 (what its setup uses).
//
// Checked byte for byte against llama.cpp's llama-quantize (de3ff81): q8_0, q4_0, q6_K, tq1_0
// and tq2_0 files are identical. One deviation, because this engine has no Q5_0: llama.cpp's
// Q4_K -> Q5_0 fallback becomes Q4_K -> Q8_0.

import { GGMLType, typeInfo } from "../gguf/types.js";
import { QuantizeError } from "./errors.js";
import { OUTPUT_TYPES, QUANT_TYPES, type OutputType, type QuantType } from "./types.js";

export interface TensorShapeInfo {
  name: string;
  type: number;
  shape: readonly number[];
}

export interface TensorPlan {
  name: string;
  /** type in the source file */
  from: number;
  /** type in the output file */
  to: number;
  /** why `to` differs from the requested type, if it does */
  note?: string;
}

const FLOAT_SOURCES: number[] = [GGMLType.F32, GGMLType.F16, GGMLType.BF16];

/** Substrings of tensor names llama.cpp never quantizes (gates, tiny or positional tensors). */
const KEEP_SUBSTRINGS = [
  "_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj", "ssm_conv1d",
  "shortconv.conv.weight", "attn_rel_b.weight", "time_mix_", ".position_embd", ".patch_embd",
];
const KEEP_NAMES = ["position_embd.weight", "token_types.weight"];

/** ggml_n_dims: trailing dimensions of size 1 do not count. */
function effectiveDims(shape: readonly number[]): number {
  let n = shape.length;
  while (n > 1 && shape[n - 1] === 1) n--;
  return n;
}

export function allowsQuantization(t: TensorShapeInfo): boolean {
  if (effectiveDims(t.shape) < 2) return false;
  if (!t.name.endsWith("weight")) return false;
  if (KEEP_NAMES.includes(t.name)) return false;
  return !KEEP_SUBSTRINGS.some((s) => t.name.includes(s));
}

function fits(type: number, shape: readonly number[]): boolean {
  const info = typeInfo(type);
  return info.known && shape[0] % info.blockSize === 0;
}

/** llama.cpp's tensor_type_fallback (with the deviation in the header comment). */
function fallback(type: number, shape: readonly number[]): { type: number; note?: string } {
  if (fits(type, shape)) return { type };
  let next: number;
  switch (type) {
    case GGMLType.TQ1_0:
    case GGMLType.TQ2_0:
    case GGMLType.I2_S:
      next = GGMLType.Q4_0;
      break;
    case GGMLType.Q4_K:
    case GGMLType.Q6_K:
      next = GGMLType.Q8_0;
      break;
    default:
      next = GGMLType.F16;
  }
  if (!fits(next, shape)) next = GGMLType.F16;
  const from = typeInfo(type);
  return { type: next, note: `row length ${shape[0]} is not a multiple of ${from.name}'s block size ${from.blockSize}` };
}

export interface PlanOptions {
  type: QuantType;
  outputType?: OutputType;
}

/** The output type of every tensor, in the order given. */
export function planQuantization(tensors: readonly TensorShapeInfo[], options: PlanOptions): TensorPlan[] {
  const target = QUANT_TYPES[options.type];
  if (!target) throw new QuantizeError("BAD_OPTION", `unknown quantization type '${String(options.type)}' (use ${Object.keys(QUANT_TYPES).join(", ")})`);
  const explicitOutput = options.outputType === undefined ? undefined : OUTPUT_TYPES[options.outputType];
  if (options.outputType !== undefined && explicitOutput === undefined) {
    throw new QuantizeError("BAD_OPTION", `unknown output type '${String(options.outputType)}' (use ${Object.keys(OUTPUT_TYPES).join(", ")})`);
  }
  const def = target.type;
  const tied = !tensors.some((t) => t.name === "output.weight");

  return tensors.map((t): TensorPlan => {
    if (!allowsQuantization(t)) return { name: t.name, from: t.type, to: t.type };
    const isOutput = t.name === "output.weight";
    const isEmbd = t.name === "token_embd.weight" || t.name === "per_layer_token_embd.weight";
    let want = def;
    if ((isOutput || isEmbd) && explicitOutput !== undefined) {
      want = explicitOutput;
    } else if (isOutput || (tied && isEmbd)) {
      if (def === GGMLType.I2_S) want = GGMLType.F16;
      else if (t.shape[0] % typeInfo(def).blockSize !== 0) want = GGMLType.Q8_0;
      else if (def !== GGMLType.Q8_0) want = GGMLType.Q6_K;
    } else if (isEmbd) {
      if (def === GGMLType.TQ1_0 || def === GGMLType.TQ2_0) want = GGMLType.Q4_K;
      else if (def === GGMLType.I2_S) want = GGMLType.F16;
    }
    const { type: to, note } = fallback(want, t.shape);
    if (to !== t.type && !FLOAT_SOURCES.includes(t.type)) {
      throw new QuantizeError(
        "REQUANTIZE",
        `tensor '${t.name}' is ${typeInfo(t.type).name}; only f32, f16 and bf16 tensors can be converted to ${typeInfo(to).name}`,
        t.name,
      );
    }
    return note ? { name: t.name, from: t.type, to, note } : { name: t.name, from: t.type, to };
  });
}

/** llama-quantize's output order: tensors outside blocks first, then by block number, then by name. */
export function llamaTensorOrder<T extends { name: string }>(tensors: readonly T[]): T[] {
  const layer = (n: string) => {
    const m = /^blk\.(\d+)/.exec(n);
    return m ? Number(m[1]) : -1;
  };
  return [...tensors].sort((a, b) => layer(a.name) - layer(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
