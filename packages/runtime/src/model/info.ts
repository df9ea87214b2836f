// ModelInfo: what a loaded model is, for callers (CLI `info`, servers, benchmarks).
import { typeName } from "@ryzen/kernels";
import type { Tokenizer } from "@ryzen/tokenizer";
import type { GGUFFile } from "../gguf/index.js";
import type { KvType } from "../kv/cache.js";
import type { Architecture, ModelConfig } from "./config.js";

export interface ModelInfo {
  architecture: Architecture;
  name: string;
  parameterCount: number;
  /** Context this instance runs with (after the contextLength option). */
  contextLength: number;
  /** Context length in the file's metadata. */
  trainedContextLength: number;
  embeddingLength: number;
  feedForwardLength: number;
  blockCount: number;
  headCount: number;
  headCountKv: number;
  headDim: number;
  vocabSize: number;
  ropeMode: "normal" | "neox";
  activation: "silu" | "relu2";
  fileBytes: number;
  weightBytes: number;
  kvType: KvType;
  kvBytesPerSequence: number;
  maxSequences: number;
  tiedOutput: boolean;
  /** Type of the output head as used (differs from the file's when loadModel's outputType converted it). */
  outputType: string;
  tensorTypes: Record<string, { count: number; bytes: number }>;
  tokenizer: { model: "llama" | "gpt2"; vocabSize: number; bos: number; eos: number; eot?: number };
  chatTemplate: string | null;
  warnings: string[];
}

export function buildInfo(
  file: GGUFFile,
  cfg: ModelConfig,
  tok: Tokenizer,
  extra: {
    contextLength: number; kvType: KvType; kvBytesPerSequence: number; maxSequences: number;
    vocabSize: number; tiedOutput: boolean; outputType: string;
  },
): ModelInfo {
  const tensorTypes: Record<string, { count: number; bytes: number }> = {};
  let parameterCount = 0;
  let weightBytes = 0;
  for (const t of file.tensors) {
    const name = typeName(t.type);
    const e = (tensorTypes[name] ??= { count: 0, bytes: 0 });
    e.count++;
    e.bytes += t.bytes;
    weightBytes += t.bytes;
    parameterCount += t.shape.reduce((a, b) => a * b, 1);
  }
  const tmpl = file.get("tokenizer.chat_template");
  return {
    architecture: cfg.architecture,
    name: cfg.name,
    parameterCount,
    contextLength: extra.contextLength,
    trainedContextLength: cfg.trainedContextLength,
    embeddingLength: cfg.embeddingLength,
    feedForwardLength: cfg.feedForwardLength,
    blockCount: cfg.blockCount,
    headCount: cfg.headCount,
    headCountKv: cfg.headCountKv,
    headDim: cfg.headDim,
    vocabSize: extra.vocabSize,
    ropeMode: cfg.ropeMode,
    activation: cfg.activation,
    fileBytes: file.fileSize,
    weightBytes,
    kvType: extra.kvType,
    kvBytesPerSequence: extra.kvBytesPerSequence,
    maxSequences: extra.maxSequences,
    tiedOutput: extra.tiedOutput,
    outputType: extra.outputType,
    tensorTypes,
    tokenizer: {
      model: tok.model,
      vocabSize: tok.vocabSize,
      bos: tok.bos,
      eos: tok.eos,
      ...(tok.eot >= 0 ? { eot: tok.eot } : {}),
    },
    chatTemplate: typeof tmpl === "string" ? tmpl : null,
    warnings: [...cfg.warnings],
  };
}
