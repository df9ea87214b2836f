// Model weights: every tensor the graph needs, looked up by GGUF name, shape-checked, and
// mapped zero-copy from the file through the kernels' MappedFile (small norm/bias vectors are
// copied out, see vector()).
import { GGMLType, type MappedFile, Tensor, matmulKernels, typeName } from "@ryzen/kernels";
import type { GGUFFile, GGUFTensorInfo } from "../gguf/index.js";
import { ModelLoadError } from "../errors.js";
import type { ModelConfig } from "./config.js";

/** A projection: the matrix plus optional per-tensor scale (`*.scale`, llama.cpp bitnet) and bias. */
export interface Linear {
  w: Tensor;
  name: string;
  scale?: number;
  bias?: Tensor;
}

export interface LayerWeights {
  attnNorm: Tensor;
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  attnSubNorm?: Tensor;
  ffnNorm: Tensor;
  gate: Linear;
  up: Linear;
  down: Linear;
  ffnSubNorm?: Tensor;
}

export interface ModelWeights {
  tokenEmbedding: Tensor;
  outputNorm: Tensor;
  /** `output.weight`, or the token embedding when the head is tied. */
  output: Tensor;
  tiedOutput: boolean;
  vocabSize: number;
  layers: LayerWeights[];
  /** `rope_freqs.weight` (Llama 3.1): per-pair RoPE frequency divisors, ropeDims/2 of them. */
  ropeFreqs?: Tensor;
  /** Every tensor handle created here (for dispose). */
  all: Tensor[];
}

export class WeightLoader {
  private readonly byName = new Map<string, GGUFTensorInfo>();
  readonly all: Tensor[] = [];

  constructor(
    private readonly file: GGUFFile,
    private readonly mapped: MappedFile,
  ) {
    for (const t of file.tensors) this.byName.set(t.name, t);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): GGUFTensorInfo {
    const t = this.byName.get(name);
    if (!t) throw new ModelLoadError("MISSING_TENSOR", `tensor '${name}' is missing from the model file`, { tensor: name });
    return t;
  }

  /** Map a tensor, checking its shape (GGUF order, trailing 1s ignored); the model owns it. */
  tensor(name: string, shape: number[], types?: readonly number[]): Tensor {
    return this.own(this.view(name, shape, types));
  }

  private own(t: Tensor): Tensor {
    this.all.push(t);
    return t;
  }

  private view(name: string, shape: number[], types?: readonly number[]): Tensor {
    const info = this.info(name);
    const got = trimOnes(info.shape);
    if (got.length !== trimOnes(shape).length || got.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError("BAD_SHAPE", `tensor '${name}' has shape [${info.shape}], expected [${shape}]`, { tensor: name });
    }
    if (types && !types.includes(info.type)) {
      throw new ModelLoadError(
        "UNSUPPORTED_TYPE",
        `tensor '${name}' has type ${info.typeName}, expected one of ${types.map((t) => typeName(t)).join(", ")}`,
        { tensor: name },
      );
    }
    return this.mapped.tensor(info.type, shape, info.offset);
  }

  /** A matmul weight [K, N]: its type must have a matmul kernel on this machine. */
  matrix(name: string, K: number, N: number): Tensor {
    const info = this.info(name);
    if (matmulKernels(info.type).length === 0) {
      throw new ModelLoadError("UNSUPPORTED_TYPE", `tensor '${name}' has type ${info.typeName}, which has no matmul kernel`, { tensor: name });
    }
    return this.tensor(name, [K, N]);
  }

  /**
   * A norm/bias vector (F32, as llama.cpp stores them), copied out of the file mapping: these few
   * KB are read every step, and each fault on a mapped page can map the whole large page-cache
   * folio around it — repacked projection weights next to it included — back into RSS.
   */
  vector(name: string, K: number): Tensor {
    const mapped = this.view(name, [K], [GGMLType.F32]);
    try {
      return this.own(Tensor.fromFloat32([K], mapped.toFloat32())); // a copy: f32() would pin the mapping
    } finally {
      mapped.dispose();
    }
  }

  /** A scalar f32 tensor read into a number (llama.cpp bitnet's optional `*.scale`). */
  scalar(name: string): number | undefined {
    if (!this.has(name)) return undefined;
    const info = this.info(name);
    const n = info.shape.reduce((a, b) => a * b, 1);
    if (info.type !== GGMLType.F32 || n !== 1) {
      throw new ModelLoadError("BAD_SHAPE", `tensor '${name}' must be a single f32, got ${info.typeName} [${info.shape}]`, { tensor: name });
    }
    const v = new DataView(this.mapped.buffer(), info.offset, 4).getFloat32(0, true);
    if (!Number.isFinite(v)) throw new ModelLoadError("BAD_SHAPE", `tensor '${name}' holds ${v}`, { tensor: name });
    return v;
  }

  /** RoPE frequency factors: f32 [n], each finite and > 0 (they divide the rotation angles). */
  ropeFreqs(name: string, n: number): Tensor {
    const t = this.vector(name, n);
    const bad = t.f32().findIndex((v) => !(v > 0) || !Number.isFinite(v));
    if (bad >= 0) throw new ModelLoadError("BAD_SHAPE", `tensor '${name}' element ${bad} is ${t.f32()[bad]}; RoPE frequency factors must be finite and > 0`, { tensor: name });
    return t;
  }

  linear(prefix: string, K: number, N: number): Linear {
    const name = `${prefix}.weight`;
    const lin: Linear = { w: this.matrix(name, K, N), name };
    const scale = this.scalar(`${prefix}.scale`);
    if (scale !== undefined) lin.scale = scale;
    if (this.has(`${prefix}.bias`)) lin.bias = this.vector(`${prefix}.bias`, N);
    return lin;
  }
}

function trimOnes(shape: readonly number[]): number[] {
  const s = [...shape];
  while (s.length > 1 && s[s.length - 1] === 1) s.pop();
  return s;
}

export function loadWeights(file: GGUFFile, mapped: MappedFile, cfg: ModelConfig, onTensor?: () => void): ModelWeights {
  const L = new WeightLoader(file, mapped);
  const E = cfg.embeddingLength;
  const F = cfg.feedForwardLength;
  const qDim = cfg.headCount * cfg.headDim;
  const kvDim = cfg.headCountKv * cfg.headDim;

  const embInfo = L.info("token_embd.weight");
  const vocabSize = embInfo.shape[1];
  if (!(vocabSize > 0) || embInfo.shape[0] !== E) {
    throw new ModelLoadError("BAD_SHAPE", `tensor 'token_embd.weight' has shape [${embInfo.shape}], expected [${E}, vocab]`, { tensor: "token_embd.weight" });
  }
  // Weight formats are the types with a matmul kernel; the kernels could widen an integer table
  // (I8/I16/I32) too, but no model stores its embeddings that way (llama.cpp fails on it), and a
  // tied table is also the output head.
  if (matmulKernels(embInfo.type).length === 0) {
    throw new ModelLoadError("UNSUPPORTED_TYPE", `tensor 'token_embd.weight' has type ${embInfo.typeName}, which is not a weight format with a matmul kernel`, { tensor: "token_embd.weight" });
  }
  const tokenEmbedding = L.tensor("token_embd.weight", [E, vocabSize]);
  const outputNorm = L.vector("output_norm.weight", E);
  const tiedOutput = !L.has("output.weight");
  const output = tiedOutput ? tokenEmbedding : L.matrix("output.weight", E, vocabSize);
  onTensor?.();

  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.blockCount; i++) {
    const p = `blk.${i}`;
    const layer: LayerWeights = {
      attnNorm: L.vector(`${p}.attn_norm.weight`, E),
      q: L.linear(`${p}.attn_q`, E, qDim),
      k: L.linear(`${p}.attn_k`, E, kvDim),
      v: L.linear(`${p}.attn_v`, E, kvDim),
      o: L.linear(`${p}.attn_output`, qDim, E),
      ffnNorm: L.vector(`${p}.ffn_norm.weight`, E),
      gate: L.linear(`${p}.ffn_gate`, E, F),
      up: L.linear(`${p}.ffn_up`, E, F),
      down: L.linear(`${p}.ffn_down`, F, E),
    };
    if (cfg.subNorms) {
      layer.attnSubNorm = L.vector(`${p}.attn_sub_norm.weight`, qDim);
      layer.ffnSubNorm = L.vector(`${p}.ffn_sub_norm.weight`, F);
    }
    layers.push(layer);
    onTensor?.();
  }
  const ropeFreqs = L.has("rope_freqs.weight") ? L.ropeFreqs("rope_freqs.weight", cfg.ropeDims / 2) : undefined;
  return { tokenEmbedding, outputNorm, output, tiedOutput, vocabSize, layers, ...(ropeFreqs ? { ropeFreqs } : {}), all: L.all };
}
