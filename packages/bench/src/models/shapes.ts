import { BenchError } from "../errors.js";

/** The model shapes the benchmark generates. Dimensions follow the published checkpoints. */
export interface ModelShape {
  name: string;
  layers: number;
  embedding: number;
  ffn: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  ropeTheta: number;
  contextLength: number;
  rmsEps: number;
}

export const MODEL_SHAPES: Record<string, ModelShape> = {
  // microsoft/bitnet-b1.58-2B-4T
  "bitnet-2b4t": {
    name: "bitnet-2b4t",
    layers: 30,
    embedding: 2560,
    ffn: 6912,
    heads: 20,
    kvHeads: 5,
    headDim: 128,
    vocab: 128256,
    ropeTheta: 500000,
    contextLength: 4096,
    rmsEps: 1e-5,
  },
  // 1bitLLM/bitnet_b1_58-large
  "bitnet-large": {
    name: "bitnet-large",
    layers: 24,
    embedding: 1536,
    ffn: 4096,
    heads: 16,
    kvHeads: 16,
    headDim: 96,
    vocab: 32002,
    ropeTheta: 10000,
    contextLength: 2048,
    rmsEps: 1e-5,
  },
  // small enough for tests; dimensions multiples of 512 so every block format applies (ik's IQ2_BN needs K >= 512)
  tiny: {
    name: "tiny",
    layers: 2,
    embedding: 512,
    ffn: 1024,
    heads: 8,
    kvHeads: 2,
    headDim: 64,
    vocab: 1024,
    ropeTheta: 10000,
    contextLength: 1024,
    rmsEps: 1e-5,
  },
};

export type WeightType = "tq2_0" | "tq1_0" | "i2_s" | "q4_0" | "q4_k" | "q8_0";
export const WEIGHT_TYPES: readonly WeightType[] = ["tq2_0", "tq1_0", "i2_s", "q4_0", "q4_k", "q8_0"];
export type HeadType = "q6_k" | "f16";

export function getShape(name: string): ModelShape {
  const shape = MODEL_SHAPES[name];
  if (!shape) throw new BenchError("UNKNOWN_MODEL", `unknown model shape "${name}" (known: ${Object.keys(MODEL_SHAPES).join(", ")})`);
  return shape;
}

/** Number of weights in the projections (what a decode step streams besides the head). */
export function projectionWeights(s: ModelShape): number {
  const kv = s.kvHeads * s.headDim;
  const q = s.heads * s.headDim;
  const perLayer = s.embedding * q + 2 * s.embedding * kv + q * s.embedding + 3 * s.embedding * s.ffn;
  return perLayer * s.layers;
}
