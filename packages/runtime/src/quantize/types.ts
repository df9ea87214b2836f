// Quantization targets by name: their ggml tensor type and llama.cpp's file type id
// (general.file_type, enum llama_ftype; I2_S is bitnet.cpp's).

import { GGMLType } from "../gguf/types.js";

export type QuantType = "q8_0" | "q4_0" | "q6_k" | "tq1_0" | "tq2_0" | "i2_s";
export type OutputType = "q6_k" | "q8_0" | "q4_0" | "f16" | "f32";

export const QUANT_TYPES: Record<QuantType, { type: number; fileType: number }> = {
  q8_0: { type: GGMLType.Q8_0, fileType: 7 },
  q4_0: { type: GGMLType.Q4_0, fileType: 2 },
  q6_k: { type: GGMLType.Q6_K, fileType: 18 },
  tq1_0: { type: GGMLType.TQ1_0, fileType: 36 },
  tq2_0: { type: GGMLType.TQ2_0, fileType: 37 },
  i2_s: { type: GGMLType.I2_S, fileType: 40 },
};

export const OUTPUT_TYPES: Record<OutputType, number> = {
  q6_k: GGMLType.Q6_K,
  q8_0: GGMLType.Q8_0,
  q4_0: GGMLType.Q4_0,
  f16: GGMLType.F16,
  f32: GGMLType.F32,
};

/** ggml's quantization format version written as general.quantization_version. */
export const GGML_QUANTIZATION_VERSION = 2;
