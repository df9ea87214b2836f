// Reference data for RoPE tests.
/**
 * Llama 3.1's frequency factors (what convert_hf_to_gguf.py stores as rope_freqs.weight): 1 for
 * short wavelengths, `factor` for long ones, a smooth blend in between.
 */
export function llama3FreqFactors(nRot: number, theta: number, factor = 8, low = 1, high = 4, origCtx = 8192): Float32Array {
  return Float32Array.from({ length: nRot / 2 }, (_, i) => {
    const wavelen = (2 * Math.PI) / Math.pow(theta, (-2 * i) / nRot);
    if (wavelen < origCtx / high) return 1;
    if (wavelen > origCtx / low) return factor;
    const smooth = (origCtx / wavelen - low) / (high - low);
    return 1 / ((1 - smooth) / factor + smooth);
  });
}
