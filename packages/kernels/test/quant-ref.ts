// Plain TypeScript ports of llama.cpp's reference block quantizers (ggml-quants.c:
// quantize_row_{q8_0,q4_0,q4_K,q6_K}_ref and the dequantizers) for the format tests. Every float
// operation is rounded to float32 with Math.fround in the reference's evaluation order, so the
// results must match the native quantizers bit for bit. Also the activation quantization the
// integer matmul kernels use (A32/A256: absmax/127 per block, round to nearest even).
const f = Math.fround;

// ---- half precision ----
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
const i32buf = new Int32Array(f32buf.buffer);

/** float32 -> IEEE half bits, round to nearest even (GGML_FP32_TO_FP16). */
export function f32ToF16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0];
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0);
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) {
    // subnormal: round(|v| * 2^24) half to even
    const m = Math.abs(f32buf[0]) * 16777216;
    let r = Math.floor(m);
    const frac = m - r;
    if (frac > 0.5 || (frac === 0.5 && (r & 1))) r++;
    return sign | r;
  }
  const mant = abs + 0xfff + ((abs >>> 13) & 1) - 0x38000000;
  return sign | (mant >>> 13);
}

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export function f32ToBf16(v: number): number {
  f32buf[0] = v;
  const u = u32buf[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}
export function bf16ToF32(h: number): number {
  u32buf[0] = (h << 16) >>> 0;
  return f32buf[0];
}

// ---- helpers ----
/** ggml's nearest_int: the 1.5*2^23 trick, with its exact bit behaviour. */
export function nearestInt(v: number): number {
  f32buf[0] = f(v + 12582912);
  return (i32buf[0] & 0x007fffff) - 0x00400000;
}
const roundf = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
const GROUP_MAX_EPS = f(1e-15);

function putF16(y: Uint8Array, o: number, v: number) {
  const h = f32ToF16(v);
  y[o] = h & 0xff;
  y[o + 1] = h >> 8;
}
const getF16 = (y: Uint8Array, o: number) => f16ToF32(y[o] | (y[o + 1] << 8));

// ---- Q8_0 ----
export function quantizeQ8_0(x: Float32Array): Uint8Array {
  const nb = x.length / 32;
  const y = new Uint8Array(nb * 34);
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[i * 32 + j]));
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    putF16(y, i * 34, d);
    for (let j = 0; j < 32; j++) y[i * 34 + 2 + j] = roundf(f(x[i * 32 + j] * id)) & 0xff;
  }
  return y;
}
export function dequantizeQ8_0(y: Uint8Array): Float32Array {
  const nb = y.length / 34;
  const x = new Float32Array(nb * 32);
  for (let i = 0; i < nb; i++) {
    const d = getF16(y, i * 34);
    for (let j = 0; j < 32; j++) x[i * 32 + j] = f(((y[i * 34 + 2 + j] << 24) >> 24) * d);
  }
  return x;
}

// ---- Q4_0 ----
export function quantizeQ4_0(x: Float32Array): Uint8Array {
  const nb = x.length / 32;
  const y = new Uint8Array(nb * 18);
  for (let i = 0; i < nb; i++) {
    let amax = 0, max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[i * 32 + j];
      if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
    }
    const d = f(max / -8);
    const id = d ? f(1 / d) : 0;
    putF16(y, i * 18, d);
    for (let j = 0; j < 16; j++) {
      const x0 = f(x[i * 32 + j] * id), x1 = f(x[i * 32 + 16 + j] * id);
      const xi0 = Math.min(15, Math.trunc(f(x0 + 8.5)));
      const xi1 = Math.min(15, Math.trunc(f(x1 + 8.5)));
      y[i * 18 + 2 + j] = xi0 | (xi1 << 4);
    }
  }
  return y;
}
export function dequantizeQ4_0(y: Uint8Array): Float32Array {
  const nb = y.length / 18;
  const x = new Float32Array(nb * 32);
  for (let i = 0; i < nb; i++) {
    const d = getF16(y, i * 18);
    for (let j = 0; j < 16; j++) {
      const q = y[i * 18 + 2 + j];
      x[i * 32 + j] = f(((q & 15) - 8) * d);
      x[i * 32 + 16 + j] = f(((q >> 4) - 8) * d);
    }
  }
  return x;
}

// ---- K-quant helpers ----
function makeQxQuants(n: number, nmax: number, x: Float32Array, L: Int8Array): number {
  let max = 0, amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[i]);
    if (ax > amax) { amax = ax; max = x[i]; }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  let iscale = f(-nmax / max);
  let sumlx = 0, suml2 = 0;
  for (let i = 0; i < n; i++) {
    const l = clamp(nearestInt(f(iscale * x[i])), -nmax, nmax - 1);
    L[i] = l + nmax;
    const w = f(x[i] * x[i]);
    sumlx = f(sumlx + f(f(w * x[i]) * l));
    suml2 = f(suml2 + f(f(w * l) * l));
  }
  let scale = suml2 ? f(sumlx / suml2) : 0;
  let best = f(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(f(0.1) * is)) / max);
    sumlx = suml2 = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(f(iscale * x[i])), -nmax, nmax - 1);
      const w = f(x[i] * x[i]);
      sumlx = f(sumlx + f(f(w * x[i]) * l));
      suml2 = f(suml2 + f(f(w * l) * l));
    }
    if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
      for (let i = 0; i < n; i++) L[i] = nmax + clamp(nearestInt(f(iscale * x[i])), -nmax, nmax - 1);
      scale = f(sumlx / suml2);
      best = f(scale * sumlx);
    }
  }
  return scale;
}

function makeQkx2Quants(n: number, nmax: number, x: Float32Array, weights: Float32Array, L: Uint8Array,
                        rmin: number, rdelta: number, nstep: number): { scale: number; min: number } {
  let min = x[0], max = x[0];
  let sumW = weights[0];
  let sumX = f(sumW * x[0]);
  for (let i = 1; i < n; i++) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const w = weights[i];
    sumW = f(sumW + w);
    sumX = f(sumX + f(w * x[i]));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, 0, n);
    return { scale: 0, min: -min };
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    L[i] = clamp(nearestInt(f(iscale * f(x[i] - min))), 0, nmax);
    const diff = f(f(f(scale * L[i]) + min) - x[i]);
    bestError = f(bestError + f(weights[i] * f(diff * diff)));
  }
  const Laux = new Uint8Array(n);
  for (let is = 0; is <= nstep; is++) {
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let sumL = 0, sumL2 = 0, sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(f(iscale * f(x[i] - min))), 0, nmax);
      Laux[i] = l;
      const w = weights[i];
      sumL = f(sumL + f(w * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
      sumXL = f(sumXL + f(f(w * l) * x[i]));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (D > 0) {
      let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
      let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f(sumXL / sumL2);
      }
      let cur = 0;
      for (let i = 0; i < n; i++) {
        const diff = f(f(f(thisScale * Laux[i]) + thisMin) - x[i]);
        cur = f(cur + f(weights[i] * f(diff * diff)));
      }
      if (cur < bestError) {
        L.set(Laux.subarray(0, n));
        bestError = cur;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}

function q4kScaleMin(j: number, s: Uint8Array, o: number): [number, number] {
  if (j < 4) return [s[o + j] & 63, s[o + j + 4] & 63];
  return [(s[o + j + 4] & 0xf) | ((s[o + j - 4] >> 6) << 4), (s[o + j + 4] >> 4) | ((s[o + j] >> 6) << 4)];
}

// ---- Q4_K ----
export function quantizeQ4_K(xAll: Float32Array): Uint8Array {
  const nb = xAll.length / 256;
  const y = new Uint8Array(nb * 144);
  const L = new Uint8Array(256);
  const weights = new Float32Array(32);
  const scales = new Float32Array(8), mins = new Float32Array(8);
  for (let i = 0; i < nb; i++) {
    const x = xAll.subarray(i * 256, i * 256 + 256);
    const o = i * 144;
    let maxScale = 0, maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = f(sumX2 + f(x[32 * j + l] * x[32 * j + l]));
      const avX = f(Math.sqrt(f(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = f(avX + Math.abs(x[32 * j + l]));
      const r = makeQkx2Quants(32, 15, x.subarray(32 * j, 32 * j + 32), weights, L.subarray(32 * j, 32 * j + 32), -1, f(0.1), 20);
      scales[j] = r.scale;
      mins[j] = r.min;
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
    const sc = o + 4;
    for (let j = 0; j < 8; j++) {
      const ls = Math.min(63, nearestInt(f(invScale * scales[j])) & 0xff);
      const lm = Math.min(63, nearestInt(f(invMin * mins[j])) & 0xff);
      if (j < 4) {
        y[sc + j] = ls;
        y[sc + j + 4] = lm;
      } else {
        y[sc + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        y[sc + j - 4] |= (ls >> 4) << 6;
        y[sc + j] |= (lm >> 4) << 6;
      }
    }
    putF16(y, o, f(maxScale / 63));
    putF16(y, o + 2, f(maxMin / 63));
    for (let j = 0; j < 8; j++) {
      const [s, m] = q4kScaleMin(j, y, sc);
      const d = f(getF16(y, o) * s);
      if (!d) continue;
      const dm = f(getF16(y, o + 2) * m);
      for (let ii = 0; ii < 32; ii++) L[32 * j + ii] = clamp(nearestInt(f(f(x[32 * j + ii] + dm) / d)), 0, 15);
    }
    for (let j = 0; j < 256; j += 64)
      for (let l = 0; l < 32; l++) y[o + 16 + j / 2 + l] = L[j + l] | (L[j + l + 32] << 4);
  }
  return y;
}
export function dequantizeQ4_K(y: Uint8Array): Float32Array {
  const nb = y.length / 144;
  const x = new Float32Array(nb * 256);
  for (let i = 0; i < nb; i++) {
    const o = i * 144;
    const d = getF16(y, o), min = getF16(y, o + 2);
    for (let p = 0; p < 4; p++) {
      const [s1, m1] = q4kScaleMin(2 * p, y, o + 4);
      const [s2, m2] = q4kScaleMin(2 * p + 1, y, o + 4);
      const d1 = f(d * s1), mm1 = f(min * m1), d2 = f(d * s2), mm2 = f(min * m2);
      for (let l = 0; l < 32; l++) {
        const q = y[o + 16 + 32 * p + l];
        x[i * 256 + 64 * p + l] = f(f(d1 * (q & 15)) - mm1);
        x[i * 256 + 64 * p + 32 + l] = f(f(d2 * (q >> 4)) - mm2);
      }
    }
  }
  return x;
}

// ---- Q6_K ----
export function quantizeQ6_K(xAll: Float32Array): Uint8Array {
  const nb = xAll.length / 256;
  const y = new Uint8Array(nb * 210);
  const L = new Int8Array(256);
  const scales = new Float32Array(16);
  for (let i = 0; i < nb; i++) {
    const x = xAll.subarray(i * 256, i * 256 + 256);
    const o = i * 210;
    let maxScale = 0, maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = makeQxQuants(16, 32, x.subarray(16 * ib, 16 * ib + 16), L.subarray(16 * ib, 16 * ib + 16));
      scales[ib] = scale;
      if (Math.abs(scale) > maxAbsScale) {
        maxAbsScale = Math.abs(scale);
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) continue;  // all-zero block
    const iscale = f(-128 / maxScale);
    putF16(y, o + 208, f(1 / iscale));
    for (let ib = 0; ib < 16; ib++) y[o + 192 + ib] = Math.min(127, nearestInt(f(iscale * scales[ib]))) & 0xff;
    for (let j = 0; j < 16; j++) {
      const d = f(getF16(y, o + 208) * ((y[o + 192 + j] << 24) >> 24));
      if (!d) continue;
      for (let ii = 0; ii < 16; ii++) L[16 * j + ii] = clamp(nearestInt(f(x[16 * j + ii] / d)), -32, 31) + 32;
    }
    for (let j = 0; j < 256; j += 128) {
      const ql = o + j / 2, qh = o + 128 + j / 4;
      for (let l = 0; l < 32; l++) {
        const q1 = L[j + l] & 0xf, q2 = L[j + l + 32] & 0xf, q3 = L[j + l + 64] & 0xf, q4 = L[j + l + 96] & 0xf;
        y[ql + l] = q1 | (q3 << 4);
        y[ql + l + 32] = q2 | (q4 << 4);
        y[qh + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
      }
    }
  }
  return y;
}
export function dequantizeQ6_K(y: Uint8Array): Float32Array {
  const nb = y.length / 210;
  const x = new Float32Array(nb * 256);
  for (let i = 0; i < nb; i++) {
    const o = i * 210;
    const d = getF16(y, o + 208);
    for (let h = 0; h < 2; h++) {
      for (let l = 0; l < 32; l++) {
        const lo = y[o + 64 * h + l], hi = y[o + 64 * h + 32 + l], hb = y[o + 128 + 32 * h + l];
        const q = [(lo & 15) | ((hb & 3) << 4), (hi & 15) | (((hb >> 2) & 3) << 4), (lo >> 4) | (((hb >> 4) & 3) << 4), (hi >> 4) | (((hb >> 6) & 3) << 4)];
        for (let g = 0; g < 4; g++) {
          const e = 128 * h + 32 * g + l;
          const sc = (y[o + 192 + (e >> 4)] << 24) >> 24;
          x[i * 256 + e] = f(f(d * sc) * (q[g] - 32));
        }
      }
    }
  }
  return x;
}

// ---- dispatch by GGML type id ----
export const REF: Record<number, { block: number; bytes: number; quantize: (x: Float32Array) => Uint8Array; dequantize: (y: Uint8Array) => Float32Array }> = {
  8: { block: 32, bytes: 34, quantize: quantizeQ8_0, dequantize: dequantizeQ8_0 },
  2: { block: 32, bytes: 18, quantize: quantizeQ4_0, dequantize: dequantizeQ4_0 },
  12: { block: 256, bytes: 144, quantize: quantizeQ4_K, dequantize: dequantizeQ4_K },
  14: { block: 256, bytes: 210, quantize: quantizeQ6_K, dequantize: dequantizeQ6_K },
};

/** The integer kernels' activation quantization: absmax/127 per `block`, rounded half to even,
 * returned dequantized (what the kernel effectively multiplies by). */
export function quantizeActs(x: Float32Array, block: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < x.length; b += block) {
    let amax = 0;
    for (let j = 0; j < block; j++) amax = Math.max(amax, Math.abs(x[b + j]));
    const d = f(amax / 127);
    const id = d > 0 ? f(1 / d) : 0;
    for (let j = 0; j < block; j++) {
      const v = f(x[b + j] * id);
      let q = Math.round(v);
      if (q - v === 0.5 && q % 2 !== 0) q -= 1;  // half to even (Math.round rounds half up)
      out[b + j] = clamp(q, -127, 127) * d;
    }
  }
  return out;
}
