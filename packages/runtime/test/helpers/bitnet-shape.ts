// Test helper: a BitNet-b1.58-architecture GGUF of a chosen shape with random ternary TQ2_0
// projections and a tied Q6_K embedding/head (the bench's layout), for tests that need a model
// big enough for memory or speed behaviour but not its values. Each shape's weights are drawn
// once and reused by every layer: writing stays fast.
import { GGMLType, quantize } from "@ryzen/kernels";
import { GGUFValueType } from "@ryzen/tokenizer";
import { GGUFWriter } from "../../src/gguf/index.js";
import { Rng } from "../../src/sampling/rng.js";

export interface BitnetShape {
  E: number;
  F: number;
  layers: number;
  nHead: number;
  nHeadKv: number;
  vocab: number;
  ctx: number;
}

export async function writeBitnetShape(path: string, s: BitnetShape, seed = 1): Promise<void> {
  const a = "bitnet-b1.58";
  const headDim = s.E / s.nHead;
  const rng = new Rng(seed);
  const w = new GGUFWriter();
  const u32 = (k: string, v: number) => w.setMetadata(`${a}.${k}`, v, GGUFValueType.UINT32);
  w.setMetadata("general.architecture", a);
  u32("embedding_length", s.E);
  u32("feed_forward_length", s.F);
  u32("block_count", s.layers);
  u32("attention.head_count", s.nHead);
  u32("attention.head_count_kv", s.nHeadKv);
  u32("context_length", s.ctx);
  u32("rope.dimension_count", headDim);
  w.setMetadata(`${a}.rope.freq_base`, 500000, GGUFValueType.FLOAT32);
  w.setMetadata(`${a}.attention.layer_norm_rms_epsilon`, 1e-5, GGUFValueType.FLOAT32);
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  while (tokens.length < s.vocab) {
    tokens.push(`▁w${tokens.length}`);
    types.push(1);
  }
  w.setMetadata("tokenizer.ggml.model", "llama");
  w.setMetadata("tokenizer.ggml.tokens", tokens);
  w.setMetadata("tokenizer.ggml.token_type", Int32Array.from(types));
  w.setMetadata("tokenizer.ggml.scores", new Float32Array(s.vocab));
  w.setMetadata("tokenizer.ggml.bos_token_id", 1, GGUFValueType.UINT32);
  w.setMetadata("tokenizer.ggml.eos_token_id", 2, GGUFValueType.UINT32);

  // Tied Q6_K embedding, quantized in row chunks (bounded f32 staging).
  const rowBytes = (s.E / 256) * 210;
  const emb = new Uint8Array(rowBytes * s.vocab);
  for (let r0 = 0; r0 < s.vocab; r0 += 2048) {
    const n = Math.min(2048, s.vocab - r0);
    const f = Float32Array.from({ length: n * s.E }, () => (rng.next() - 0.5) * 0.1);
    emb.set(quantize(GGMLType.Q6_K, f, n, s.E), r0 * rowBytes);
  }
  w.addTensor("token_embd.weight", GGMLType.Q6_K, [s.E, s.vocab], emb);

  const packed = new Map<string, Uint8Array>();
  const ternary = (K: number, N: number): Uint8Array => {
    const key = `${K}x${N}`;
    let b = packed.get(key);
    if (!b) {
      b = quantize(GGMLType.TQ2_0, Float32Array.from({ length: K * N }, () => Math.floor(rng.next() * 3) - 1), N, K);
      packed.set(key, b);
    }
    return b;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const qDim = s.nHead * headDim, kvDim = s.nHeadKv * headDim;
  for (let l = 0; l < s.layers; l++) {
    const p = `blk.${l}`;
    const mat = (name: string, K: number, N: number) => w.addTensor(`${p}.${name}.weight`, GGMLType.TQ2_0, [K, N], ternary(K, N));
    w.addTensor(`${p}.attn_norm.weight`, GGMLType.F32, [s.E], ones(s.E));
    mat("attn_q", s.E, qDim);
    mat("attn_k", s.E, kvDim);
    mat("attn_v", s.E, kvDim);
    w.addTensor(`${p}.attn_sub_norm.weight`, GGMLType.F32, [qDim], ones(qDim));
    mat("attn_output", qDim, s.E);
    w.addTensor(`${p}.ffn_norm.weight`, GGMLType.F32, [s.E], ones(s.E));
    mat("ffn_gate", s.E, s.F);
    mat("ffn_up", s.E, s.F);
    w.addTensor(`${p}.ffn_sub_norm.weight`, GGMLType.F32, [s.F], ones(s.F));
    mat("ffn_down", s.F, s.E);
  }
  w.addTensor("output_norm.weight", GGMLType.F32, [s.E], ones(s.E));
  await w.write(path);
}
