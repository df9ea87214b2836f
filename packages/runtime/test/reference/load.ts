// Test helper: read a float (F32/F16) GGUF model into float64 reference weights.
import { readFileSync } from "node:fs";
import { readGGUF, type GGUFFile } from "../../src/gguf/index.js";
import { configFromMetadata, type ModelConfig } from "../../src/model/config.js";
import type { RefLinear, RefWeights } from "./forward.js";

function floats(file: GGUFFile, bytes: Uint8Array, name: string): Float64Array {
  const t = file.tensor(name);
  if (!t) throw new Error(`reference: tensor ${name} missing`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + t.offset, t.bytes);
  const out = new Float64Array(n);
  if (t.type === 0) for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
  else if (t.type === 1) for (let i = 0; i < n; i++) out[i] = f16(dv.getUint16(i * 2, true));
  else throw new Error(`reference: tensor ${name} has type ${t.typeName}; only f32/f16 are read`);
  return out;
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export async function loadFloatReference(path: string): Promise<{ cfg: ModelConfig; weights: RefWeights }> {
  const file = await readGGUF(path);
  const cfg = configFromMetadata((k) => file.get(k));
  const bytes = new Uint8Array(readFileSync(path));
  const lin = (name: string, K: number, N: number): RefLinear => ({ w: floats(file, bytes, name), K, N });
  const E = cfg.embeddingLength;
  const F = cfg.feedForwardLength;
  const qDim = cfg.headCount * cfg.headDim;
  const kvDim = cfg.headCountKv * cfg.headDim;
  const emb = floats(file, bytes, "token_embd.weight");
  const vocabSize = emb.length / E;
  const layers = [];
  for (let i = 0; i < cfg.blockCount; i++) {
    const p = `blk.${i}`;
    layers.push({
      attnNorm: floats(file, bytes, `${p}.attn_norm.weight`),
      q: lin(`${p}.attn_q.weight`, E, qDim),
      k: lin(`${p}.attn_k.weight`, E, kvDim),
      v: lin(`${p}.attn_v.weight`, E, kvDim),
      o: lin(`${p}.attn_output.weight`, qDim, E),
      ffnNorm: floats(file, bytes, `${p}.ffn_norm.weight`),
      gate: lin(`${p}.ffn_gate.weight`, E, F),
      up: lin(`${p}.ffn_up.weight`, E, F),
      down: lin(`${p}.ffn_down.weight`, F, E),
      ...(cfg.subNorms
        ? { attnSubNorm: floats(file, bytes, `${p}.attn_sub_norm.weight`), ffnSubNorm: floats(file, bytes, `${p}.ffn_sub_norm.weight`) }
        : {}),
    });
  }
  const output = file.tensor("output.weight") ? lin("output.weight", E, vocabSize) : { w: emb, K: E, N: vocabSize };
  return {
    cfg,
    weights: {
      tokenEmbedding: emb, outputNorm: floats(file, bytes, "output_norm.weight"), output, layers, vocabSize,
      ...(file.tensor("rope_freqs.weight") ? { ropeFreqs: floats(file, bytes, "rope_freqs.weight") } : {}),
    },
  };
}
