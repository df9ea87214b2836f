// @ryzen/runtime: GGUF models end to end on the CPU.
export * from "./gguf/index.js";
export * from "./quantize/index.js";
export { loadModel, Model, type LoadModelOptions, type GenerateOptions, type EvaluateOptions } from "./model/model.js";
export type { ModelInfo } from "./model/info.js";
export { configFromMetadata, SUPPORTED_ARCHITECTURES, type ModelConfig, type Architecture } from "./model/config.js";
export type { Generation, GenerationChunk, GenerationResult, GenerationTimings, FinishReason } from "./generation/generation.js";
export type { ChatMessage, ChatTemplateOptions } from "./chat/template.js";
export type { SamplingOptions } from "./sampling/options.js";
export type { KvType } from "./kv/cache.js";
export type { ContextPolicy } from "./scheduler/engine.js";
export {
  RyzenError,
  ModelLoadError,
  ContextOverflowError,
  BusyError,
  AbortError,
  DisposedError,
  InvalidOptionError,
  type ModelLoadErrorCode,
} from "./errors.js";
