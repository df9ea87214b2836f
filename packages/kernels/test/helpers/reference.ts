// Plain reference computations for kernel tests (float64 accumulation).

/** y[t][r] = sum_k w[r][k] * x[t][k]; w is N rows of K, x is n tokens of K. */
export function matmulRef(w: Float32Array, x: Float32Array, K: number, N: number, n: number): Float64Array {
  const y = new Float64Array(N * n);
  for (let t = 0; t < n; t++)
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += w[r * K + k] * x[t * K + k];
      y[t * N + r] = s;
    }
  return y;
}

/** Largest |a - b| relative to the largest |b| (or 1). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-30;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]));
  for (let k = 0; k < b.length; k++) err = Math.max(err, Math.abs(a[k] - b[k]));
  return err / scale;
}

/** K x K permutation matrix as N=K rows of K (row r picks column perm[r]). */
export function permutationMatrix(perm: number[]): Float32Array {
  const K = perm.length;
  const w = new Float32Array(K * K);
  perm.forEach((c, r) => (w[r * K + c] = 1));
  return w;
}

/** `steps` applications of y[t][r] = x[t][perm[r]] to n tokens of width perm.length. */
export function permuteRef(x: Float32Array, perm: number[], n: number, steps: number): Float32Array {
  const K = perm.length;
  let cur = x;
  for (let s = 0; s < steps; s++) {
    const next = new Float32Array(K * n);
    for (let t = 0; t < n; t++) for (let r = 0; r < K; r++) next[t * K + r] = cur[t * K + perm[r]];
    cur = next;
  }
  return cur;
}
