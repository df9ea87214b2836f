// Plain TypeScript references for the ternary formats (llama.cpp TQ1_0/TQ2_0, bitnet.cpp I2_S),
// the BitNet b1.58 activation quantization and a ternary matmul, written from the format
// definitions for the ternary tests (obviously-correct loops, no shared code with the native side).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fr = Math.fround;

export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Round to nearest even, like F16C / GGML_FP32_TO_FP16 (finite, non-negative scales here). */
export function f32ToF16(v: number): number {
  f32[0] = v;
  const x = u32[0], sign = (x >>> 16) & 0x8000, a = x & 0x7fffffff;
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a < 0x38800000) {
    const m = f32[0] < 0 ? -f32[0] * 2 ** 24 : f32[0] * 2 ** 24;
    return sign | roundHalfEven(m);
  }
  return sign | ((a + 0xfff + ((a >>> 13) & 1) - 0x38000000) >>> 13);
}

export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C lroundf: half away from zero. */
export const roundAway = (v: number): number => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);

// ---- TQ2_0: 256 weights = 64 bytes of 2-bit codes + f16 d ----
export function quantizeTq2(x: Float32Array): Uint8Array {
  const nb = x.length / 256, out = new Uint8Array(nb * 66);
  for (let b = 0; b < nb; b++) {
    const xb = x.subarray(b * 256, b * 256 + 256), o = b * 66;
    let amax = 0;
    for (const v of xb) amax = Math.max(amax, Math.abs(v));
    const id = amax ? fr(1 / amax) : 0;
    for (let j = 0; j < 2; j++)
      for (let m = 0; m < 32; m++)
        for (let l = 0; l < 4; l++) {
          const xi = roundAway(fr(xb[j * 128 + l * 32 + m] * id)) + 1;
          out[o + j * 32 + m] += (xi & 3) << (2 * l);
        }
    const h = f32ToF16(amax);
    out[o + 64] = h & 255;
    out[o + 65] = h >> 8;
  }
  return out;
}

export function dequantizeTq2(bytes: Uint8Array): Float32Array {
  const nb = bytes.length / 66, out = new Float32Array(nb * 256);
  for (let b = 0; b < nb; b++) {
    const o = b * 66, d = f16ToF32(bytes[o + 64] | (bytes[o + 65] << 8));
    for (let j = 0; j < 2; j++)
      for (let l = 0; l < 4; l++)
        for (let m = 0; m < 32; m++) out[b * 256 + j * 128 + l * 32 + m] = (((bytes[o + j * 32 + m] >> (2 * l)) & 3) - 1) * d;
  }
  return out;
}

// ---- TQ1_0: 256 weights = 48 bytes of 5 trits + 4 bytes of 4 trits + f16 d ----
const POW3 = [1, 3, 9, 27, 81, 243];
const digit = (q: number, n: number): number => (((q * POW3[n]) & 255) * 3) >> 8;
const packTrits = (xi: number[], padDigits: number): number => {
  let q = 0;
  for (const v of xi) q = (q * 3 + v) & 255;
  for (let k = 0; k < padDigits; k++) q = (q * 3) & 255;
  return Math.floor((q * 256 + 242) / 243) & 255;
};

/** Element index of each trit slot, in llama.cpp's order: [byte][digit] -> element. */
function tq1Order(): { byte: number; digit: number; elem: number }[] {
  const o: { byte: number; digit: number; elem: number }[] = [];
  for (let n = 0; n < 5; n++) for (let m = 0; m < 32; m++) o.push({ byte: m, digit: n, elem: 32 * n + m });
  for (let n = 0; n < 5; n++) for (let m = 0; m < 16; m++) o.push({ byte: 32 + m, digit: n, elem: 160 + 16 * n + m });
  for (let n = 0; n < 4; n++) for (let j = 0; j < 4; j++) o.push({ byte: 48 + j, digit: n, elem: 240 + 4 * n + j });
  return o;
}
const TQ1_ORDER = tq1Order();

export function quantizeTq1(x: Float32Array): Uint8Array {
  const nb = x.length / 256, out = new Uint8Array(nb * 54);
  for (let b = 0; b < nb; b++) {
    const xb = x.subarray(b * 256, b * 256 + 256), o = b * 54;
    let amax = 0;
    for (const v of xb) amax = Math.max(amax, Math.abs(v));
    const id = amax ? fr(1 / amax) : 0;
    const digits: number[][] = Array.from({ length: 52 }, () => []);
    for (const s of TQ1_ORDER) digits[s.byte][s.digit] = roundAway(fr(xb[s.elem] * id)) + 1;
    for (let byte = 0; byte < 52; byte++) out[o + byte] = packTrits(digits[byte], byte < 48 ? 0 : 1);
    const h = f32ToF16(amax);
    out[o + 52] = h & 255;
    out[o + 53] = h >> 8;
  }
  return out;
}

export function dequantizeTq1(bytes: Uint8Array): Float32Array {
  const nb = bytes.length / 54, out = new Float32Array(nb * 256);
  for (let b = 0; b < nb; b++) {
    const o = b * 54, d = f16ToF32(bytes[o + 52] | (bytes[o + 53] << 8));
    for (const s of TQ1_ORDER) out[b * 256 + s.elem] = (digit(bytes[o + s.byte], s.digit) - 1) * d;
  }
  return out;
}

// ---- I2_S: codes w+1, 128 weights per 32 bytes (byte j: weights j, 32+j, 64+j, 96+j from the top), f32 tail ----
export function i2sCode(bytes: Uint8Array, e: number): number {
  const blk = Math.floor(e / 128), pos = e % 128;
  return (bytes[blk * 32 + (pos % 32)] >> (6 - 2 * Math.floor(pos / 32))) & 3;
}

export function dequantizeI2s(bytes: Uint8Array): Float32Array {
  const n = (bytes.length - 32) * 4, scale = new DataView(bytes.buffer, bytes.byteOffset + n / 4, 4).getFloat32(0, true);
  const out = new Float32Array(n);
  for (let e = 0; e < n; e++) out[e] = (i2sCode(bytes, e) - 1) * scale;
  return out;
}

/**
 * bitnet.cpp's pipeline. Already-ternary weights ({0, +-g}): quantize_i2_s alone, scale = max|w|,
 * code 1 where |w| < 1e-6 else by sign. Latent weights: absmean first (weight_quant):
 * s = 1/max(mean|w|, 1e-5); t = clamp(round_half_even(w*s)); scale = 1/s if any t != 0.
 */
export function quantizeI2s(x: Float32Array): Uint8Array {
  const n = x.length, out = new Uint8Array(n / 4 + 32);
  const put = (e: number, code: number) => {
    const blk = Math.floor(e / 128), pos = e % 128;
    out[blk * 32 + (pos % 32)] |= code << (6 - 2 * Math.floor(pos / 32));
  };
  const nonzero = Array.from(x, Math.abs).filter((a) => a !== 0);
  if (nonzero.length > 0 && nonzero.every((a) => a === nonzero[0])) {
    const gamma = nonzero[0];
    for (let e = 0; e < n; e++) put(e, Math.abs(x[e]) < 1e-6 ? 1 : x[e] * gamma > 0 ? 2 : 0);
    new DataView(out.buffer).setFloat32(n / 4, gamma, true);
    return out;
  }
  let acc = 0;
  for (const v of x) acc += Math.abs(v);
  let mean = fr(acc / n);
  if (!(mean >= fr(1e-5))) mean = fr(1e-5);
  const s = fr(1 / mean);
  const t = Array.from(x, (v) => Math.max(-1, Math.min(1, roundHalfEven(fr(v * s)))));
  const scale = t.some((v) => v !== 0) ? fr(1 / s) : 0;
  for (let e = 0; e < n; e++) {
    const result = fr(t[e] / s);
    put(e, Math.abs(result) < 1e-6 ? 1 : result * scale > 0 ? 2 : 0);
  }
  new DataView(out.buffer).setFloat32(n / 4, scale, true);
  return out;
}

// ---- activations and matmul ----
/** BitNet b1.58 per-token absmax int8: q = round_half_even(x * 127/amax), y uses amax/127. */
export function quantizeActs(x: Float32Array): { q: Int8Array; inv: number } {
  let amax = 0;
  for (const v of x) amax = Math.max(amax, Math.abs(v));
  const q = new Int8Array(x.length);
  if (!(amax > 0)) return { q, inv: 0 };
  const s = fr(127 / amax);
  for (let k = 0; k < x.length; k++) q[k] = Math.max(-127, Math.min(127, roundHalfEven(fr(x[k] * s))));
  return { q, inv: fr(amax / 127) };
}

/** y[t][r] = inv_t * sum_k w[r][k] * q_t[k]  (w dequantized, float64 accumulation). */
export function ternaryMatmulRef(w: Float32Array, x: Float32Array, K: number, N: number, n: number): Float64Array {
  const y = new Float64Array(N * n);
  for (let t = 0; t < n; t++) {
    const { q, inv } = quantizeActs(x.subarray(t * K, t * K + K));
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += w[r * K + k] * q[k];
      y[t * N + r] = s * inv;
    }
  }
  return y;
}
