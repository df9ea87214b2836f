/** Small seeded PRNG (xoshiro128**): the generated models must be byte-identical for a given seed. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 expands one seed into four non-zero state words
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** Uniform uint32. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Byte -> trit table: 85/85/85 split of 0..254 (255 maps to 0), so -1, 0, +1 are (almost) equally likely. */
const TRIT_OF_BYTE = (() => {
  const t = new Int8Array(256);
  for (let b = 0; b < 256; b++) t[b] = b < 85 ? -1 : b < 170 ? 0 : b < 255 ? 1 : 0;
  return t;
})();

/** Fills `out` with scale * {-1, 0, +1}, four trits per random word (fast enough for 2.4 B weights). */
export function fillTernary(rng: Rng, out: Float32Array, scale: number): void {
  const n = out.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const r = rng.u32();
    out[i] = TRIT_OF_BYTE[r & 255] * scale;
    out[i + 1] = TRIT_OF_BYTE[(r >>> 8) & 255] * scale;
    out[i + 2] = TRIT_OF_BYTE[(r >>> 16) & 255] * scale;
    out[i + 3] = TRIT_OF_BYTE[r >>> 24] * scale;
  }
  for (; i < n; i++) out[i] = TRIT_OF_BYTE[rng.u32() & 255] * scale;
}

/** Fills `out` with a cheap bell-shaped distribution (sum of two uniforms), centred on 0 with the given spread. */
export function fillDense(rng: Rng, out: Float32Array, spread: number): void {
  for (let i = 0; i < out.length; i++) {
    const r = rng.u32();
    out[i] = (((r & 0xffff) + (r >>> 16)) / 65536 - 1) * spread;
  }
}
