// Test helper: a tiny BitNet-architecture GGUF with known ternary weights, written to a temp dir,
// plus the same weights as float64 reference weights (ternary values and their per-tensor scale).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GGMLType, quantize } from "@ryzen/kernels";
import { GGUFValueType } from "@ryzen/tokenizer";
import { GGUFWriter, readGGUF } from "../src/gguf/index.js";
import { configFromMetadata, type ModelConfig } from "../src/model/config.js";
import { roundToF16, type RefLayer, type RefLinear, type RefWeights } from "./reference/forward.js";
import { Rng } from "../src/sampling/rng.js";

export interface TinySpec {
  arch: "bitnet-b1.58" | "bitnet-25" | "bitnet";
  /** Ternary storage type of the projections. */
  type: number;
  /** llama.cpp bitnet style: pure ternary weights plus separate `*.scale` tensors. */
  scaleTensors?: boolean;
  hiddenAct?: string;
  seed?: number;
}

export const TINY = { E: 256, F: 512, nHead: 4, nHeadKv: 2, headDim: 64, layers: 2, vocab: 320, ctx: 128 };
const SCALES = [0.125, 0.25, 0.0625, 0.1875];

export async function buildTinyBitnet(spec: TinySpec): Promise<{ path: string; cfg: ModelConfig; ref: RefWeights }> {
  const { E, F, nHead, nHeadKv, headDim, layers, vocab, ctx } = TINY;
  const rng = new Rng(spec.seed ?? 1);
  const normal = () => {
    const u = Math.max(rng.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const a = spec.arch;
  const w = new GGUFWriter();
  w.setMetadata("general.architecture", a);
  w.setMetadata("general.name", `tiny-${a}`);
  w.setMetadata(`${a}.embedding_length`, E, GGUFValueType.UINT32);
  w.setMetadata(`${a}.feed_forward_length`, F, GGUFValueType.UINT32);
  w.setMetadata(`${a}.block_count`, layers, GGUFValueType.UINT32);
  w.setMetadata(`${a}.attention.head_count`, nHead, GGUFValueType.UINT32);
  w.setMetadata(`${a}.attention.head_count_kv`, nHeadKv, GGUFValueType.UINT32);
  w.setMetadata(`${a}.context_length`, ctx, GGUFValueType.UINT32);
  w.setMetadata(`${a}.rope.freq_base`, 500000, GGUFValueType.FLOAT32);
  w.setMetadata(`${a}.rope.dimension_count`, headDim, GGUFValueType.UINT32);
  w.setMetadata(`${a}.attention.layer_norm_rms_epsilon`, 1e-5, GGUFValueType.FLOAT32);
  if (spec.hiddenAct) w.setMetadata(`${a}.hidden_act`, spec.hiddenAct);
  // SentencePiece vocab: specials, 256 byte tokens, then word pieces.
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  while (tokens.length < vocab) {
    tokens.push(`▁w${tokens.length}`);
    types.push(1);
  }
  w.setMetadata("tokenizer.ggml.model", "llama");
  w.setMetadata("tokenizer.ggml.tokens", tokens);
  w.setMetadata("tokenizer.ggml.token_type", Int32Array.from(types));
  w.setMetadata("tokenizer.ggml.scores", new Float32Array(vocab));
  w.setMetadata("tokenizer.ggml.bos_token_id", 1, GGUFValueType.UINT32);
  w.setMetadata("tokenizer.ggml.eos_token_id", 2, GGUFValueType.UINT32);

  const emb = Float64Array.from({ length: vocab * E }, () => roundToF16(normal() * 0.5));
  w.addTensor("token_embd.weight", GGMLType.F16, [E, vocab], Float32Array.from(emb));
  const vec = (name: string, n: number): Float64Array => {
    const v = Float64Array.from({ length: n }, () => Math.fround(0.6 + 0.8 * rng.next()));
    w.addTensor(name, GGMLType.F32, [n], Float32Array.from(v));
    return v;
  };
  let scaleIdx = 0;
  const ternary = (prefix: string, K: number, N: number): RefLinear => {
    const s = SCALES[scaleIdx++ % SCALES.length];
    const t = Float64Array.from({ length: N * K }, () => Math.floor(rng.next() * 3) - 1);
    const stored = spec.scaleTensors ? 1 : s;
    const bytes = quantize(spec.type, Float32Array.from(t, (x) => x * stored), N, K);
    w.addTensor(`${prefix}.weight`, spec.type, [K, N], bytes);
    if (spec.scaleTensors) w.addTensor(`${prefix}.scale`, GGMLType.F32, [1], Float32Array.of(s));
    // I2_S keeps one f32 scale for the whole tensor right after the 2-bit codes (bitnet.cpp).
    // The reference uses the scale the file actually holds: the quantizer's choice of scale
    // for already-ternary input is not what this test is about.
    const fileScale = spec.type === GGMLType.I2_S ? new DataView(bytes.buffer, bytes.byteOffset + (N * K) / 4, 4).getFloat32(0, true) : s;
    return { w: t, K, N, ternaryScale: spec.scaleTensors ? s : fileScale };
  };
  const qDim = nHead * headDim;
  const kvDim = nHeadKv * headDim;
  const refLayers: RefLayer[] = [];
  for (let i = 0; i < layers; i++) {
    const p = `blk.${i}`;
    refLayers.push({
      attnNorm: vec(`${p}.attn_norm.weight`, E),
      q: ternary(`${p}.attn_q`, E, qDim),
      k: ternary(`${p}.attn_k`, E, kvDim),
      v: ternary(`${p}.attn_v`, E, kvDim),
      attnSubNorm: vec(`${p}.attn_sub_norm.weight`, qDim),
      o: ternary(`${p}.attn_output`, qDim, E),
      ffnNorm: vec(`${p}.ffn_norm.weight`, E),
      gate: ternary(`${p}.ffn_gate`, E, F),
      up: ternary(`${p}.ffn_up`, E, F),
      ffnSubNorm: vec(`${p}.ffn_sub_norm.weight`, F),
      down: ternary(`${p}.ffn_down`, F, E),
    });
  }
  const outputNorm = vec("output_norm.weight", E);
  const dir = mkdtempSync(join(tmpdir(), "ryzen-tiny-bitnet-"));
  const path = join(dir, `tiny-${a}-${spec.type}.gguf`);
  await w.write(path);
  const file = await readGGUF(path);
  const cfg = configFromMetadata((k) => file.get(k));
  return {
    path,
    cfg,
    // tied head: the f16 embedding (not ternary, no activation quantization)
    ref: { tokenEmbedding: emb, outputNorm, output: { w: emb, K: E, N: vocab }, layers: refLayers, vocabSize: vocab },
  };
}
