// Hyperparameters of a model, read from GGUF metadata and checked before anything is allocated.
// Architectures differ only in a few switches (sub-norms, FFN activation, RoPE pairing), so one
// graph builder serves all of them; this module decides the switches from `general.architecture`.
import { ModelLoadError } from "../errors.js";

export type Architecture = "llama" | "bitnet" | "bitnet-b1.58" | "bitnet-25";
export const SUPPORTED_ARCHITECTURES: readonly Architecture[] = ["llama", "bitnet", "bitnet-b1.58", "bitnet-25"];

export type FfnActivation = "silu" | "relu2";
export type RopeMode = "normal" | "neox";

export interface ModelConfig {
  architecture: Architecture;
  name: string;
  embeddingLength: number;
  blockCount: number;
  feedForwardLength: number;
  headCount: number;
  headCountKv: number;
  headDim: number;
  /** Rotated dimensions per head (<= headDim). */
  ropeDims: number;
  ropeMode: RopeMode;
  ropeTheta: number;
  /** Position multiplier (1 / linear scaling factor). */
  ropeFreqScale: number;
  rmsEps: number;
  trainedContextLength: number;
  activation: FfnActivation;
  /** BitNet's attn_sub_norm (before attn_output) and ffn_sub_norm (before ffn_down). */
  subNorms: boolean;
  /** Things the engine tolerates but does not implement exactly (reported in ModelInfo). */
  warnings: string[];
}

export type MetadataGetter = (key: string) => unknown;

function isArchitecture(a: string): a is Architecture {
  return (SUPPORTED_ARCHITECTURES as readonly string[]).includes(a);
}

function num(get: MetadataGetter, key: string, fallback?: number): number {
  const v = get(key);
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ModelLoadError("MISSING_METADATA", `GGUF metadata key '${key}' is required but absent`, { key });
  }
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    throw new ModelLoadError("BAD_METADATA", `GGUF metadata key '${key}' must be a number, got ${String(v)}`, { key });
  }
  return n;
}

function positiveInt(get: MetadataGetter, key: string, fallback?: number, max = 1 << 24): number {
  const n = num(get, key, fallback);
  if (!Number.isInteger(n) || n <= 0 || n > max) {
    throw new ModelLoadError("BAD_METADATA", `GGUF metadata key '${key}' = ${n} is not a positive integer <= ${max}`, { key });
  }
  return n;
}

/** head_count may be stored per layer (an array); this engine needs it uniform. */
function uniformInt(get: MetadataGetter, key: string, fallback?: number): number {
  const v = get(key);
  if (v !== undefined && typeof v === "object" && v !== null && "length" in v) {
    const arr = Array.from(v as ArrayLike<number>, Number);
    if (arr.length === 0 || arr.some((x) => x !== arr[0])) {
      throw new ModelLoadError("BAD_METADATA", `GGUF metadata key '${key}' varies per layer (${arr.join(",")}), which is not supported`, { key });
    }
    return positiveInt(() => arr[0], key);
  }
  return positiveInt(get, key, fallback);
}

function activationFor(arch: Architecture, get: MetadataGetter): FfnActivation {
  if (arch === "llama") return "silu";
  if (arch === "bitnet-b1.58" || arch === "bitnet-25") return "relu2";
  // llama.cpp's `bitnet` graph uses SiLU (1bitLLM models); a converter may record another activation.
  const act = get(`${arch}.hidden_act`) ?? get(`${arch}.feed_forward_activation`);
  if (act === undefined) return "silu";
  const a = String(act).toLowerCase();
  if (a === "silu" || a === "swish") return "silu";
  if (a === "relu2" || a === "relu_sqr" || a === "relu_squared" || a === "squared_relu") return "relu2";
  throw new ModelLoadError("BAD_METADATA", `unsupported FFN activation '${a}' in '${arch}.hidden_act'`, { key: `${arch}.hidden_act` });
}

export function configFromMetadata(get: MetadataGetter): ModelConfig {
  const archValue = get("general.architecture");
  if (typeof archValue !== "string") {
    throw new ModelLoadError("MISSING_METADATA", "GGUF metadata 'general.architecture' is missing or not a string", { key: "general.architecture" });
  }
  if (!isArchitecture(archValue)) {
    throw new ModelLoadError(
      "UNSUPPORTED_ARCHITECTURE",
      `unsupported architecture '${archValue}' (supported: ${SUPPORTED_ARCHITECTURES.join(", ")})`,
      { architecture: archValue, key: "general.architecture" },
    );
  }
  const arch = archValue;
  const k = (s: string) => `${arch}.${s}`;
  const warnings: string[] = [];

  const embeddingLength = positiveInt(get, k("embedding_length"));
  const blockCount = positiveInt(get, k("block_count"), undefined, 4096);
  const feedForwardLength = uniformInt(get, k("feed_forward_length"));
  const headCount = uniformInt(get, k("attention.head_count"));
  const headCountKv = uniformInt(get, k("attention.head_count_kv"), headCount);
  if (headCount % headCountKv !== 0) {
    throw new ModelLoadError("BAD_METADATA", `head_count ${headCount} is not a multiple of head_count_kv ${headCountKv}`, { key: k("attention.head_count_kv") });
  }
  const headDim = positiveInt(get, k("attention.key_length"), Math.floor(embeddingLength / headCount));
  const valueDim = positiveInt(get, k("attention.value_length"), headDim);
  if (valueDim !== headDim) {
    throw new ModelLoadError("BAD_METADATA", `attention.value_length ${valueDim} differs from key_length ${headDim}`, { key: k("attention.value_length") });
  }
  const ropeDims = positiveInt(get, k("rope.dimension_count"), headDim);
  if (ropeDims > headDim || ropeDims % 2 !== 0) {
    throw new ModelLoadError("BAD_METADATA", `rope.dimension_count ${ropeDims} must be even and <= head dim ${headDim}`, { key: k("rope.dimension_count") });
  }
  const ropeTheta = num(get, k("rope.freq_base"), 10000);
  if (!(ropeTheta > 0)) throw new ModelLoadError("BAD_METADATA", `rope.freq_base ${ropeTheta} must be > 0`, { key: k("rope.freq_base") });

  let ropeFreqScale = 1;
  const scalingType = get(k("rope.scaling.type"));
  const scaleFactor = get(k("rope.scaling.factor"));
  if (scalingType === "linear" || (scalingType === undefined && scaleFactor !== undefined)) {
    const f = num(get, k("rope.scaling.factor"), 1);
    if (!(f > 0)) throw new ModelLoadError("BAD_METADATA", `rope.scaling.factor ${f} must be > 0`, { key: k("rope.scaling.factor") });
    ropeFreqScale = 1 / f;
  } else if (scalingType !== undefined && scalingType !== "none") {
    warnings.push(`rope scaling '${String(scalingType)}' is not implemented; positions are unscaled`);
  }

  const rmsEps = num(get, k("attention.layer_norm_rms_epsilon"), 1e-5);
  if (!(rmsEps > 0 && rmsEps < 1)) {
    throw new ModelLoadError("BAD_METADATA", `attention.layer_norm_rms_epsilon ${rmsEps} is out of range`, { key: k("attention.layer_norm_rms_epsilon") });
  }
  const trainedContextLength = positiveInt(get, k("context_length"), 2048, 1 << 24);
  const name = get("general.name");

  return {
    architecture: arch,
    name: typeof name === "string" ? name : arch,
    embeddingLength,
    blockCount,
    feedForwardLength,
    headCount,
    headCountKv,
    headDim,
    ropeDims,
    // llama.cpp pairs consecutive values for llama ("normal") and offsets pairs by n_rot/2
    // ("neox") for every bitnet architecture (llama_rope_type in llama.cpp / bitnet.cpp).
    ropeMode: arch === "llama" ? "normal" : "neox",
    ropeTheta,
    ropeFreqScale,
    rmsEps,
    trainedContextLength,
    activation: activationFor(arch, get),
    subNorms: arch !== "llama",
    warnings,
  };
}
