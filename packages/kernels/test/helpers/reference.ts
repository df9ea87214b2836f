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
