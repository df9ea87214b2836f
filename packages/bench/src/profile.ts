import type { BenchRow } from "./engines/types.js";
import type { KernelBenchSection } from "./kernel-bench.js";

/**
 * Where Ryzen's time goes on the 2B-4T shape, from the kernel microbenchmarks of the same run: the
 * matmul time a token needs (per-shape GEMV/GEMM times x how often each shape occurs) against the
 * measured end-to-end time. The rest is everything else (norms, RoPE, attention, activations,
 * quantizing activations, synchronisation, JS).
 */
export interface TimeBudget {
  phase: "decode" | "prefill";
  threads: number;
  format: string;
  /** measured ms per token (decode) or per 128-token prompt (prefill) */
  measuredMs: number;
  /** matmul ms predicted from the kernel bench */
  matmulMs: number;
  matmulFraction: number;
  /** the prediction exceeds the measured step by more than 5 %: the microbenchmarks met a slower
   *  machine state than the end-to-end rounds (on a shared host, typically a busy second core) */
  overPredicted: boolean;
  /** weight bytes read per decode token (the whole file: the tied head is a full matrix) */
  bytesPerToken?: number;
  effectiveGBs?: number;
}

/** Footnote for budget rows with overPredicted set (reports mark them "*"). */
export const OVER_PREDICTED =
  "* more than the whole step: the kernel microbenchmarks met a slower machine state than the end-to-end rounds (on a shared host, typically a busy second core); that row's split is not meaningful";

/** Matmuls per layer of the 2B-4T shape, by the kernel bench's shape names. */
const PER_LAYER: Record<string, number> = { "attn q/o": 2, "attn k/v": 2, "ffn gate/up": 2, "ffn down": 1 };
const LAYERS_2B = 30;

type KRow = Record<string, string | number | boolean | null>;

function bestTime(rows: KRow[], kind: string, shape: string, threads: number, isa: string | null, field: "us" | "ms"): number | undefined {
  let best: number | undefined;
  for (const r of rows) {
    if (r.kind !== kind || r.shape !== shape || r.threads !== threads || (isa && r.isa !== isa)) continue;
    const v = r[field];
    if (typeof v === "number" && (best === undefined || v < best)) best = v;
  }
  return best;
}

function headUs(rows: KRow[], threads: number, isa: string | null): number | undefined {
  const r = rows.find((x) => x.kind === "head" && x.type === "q6_K" && x.threads === threads && (!isa || x.isa === isa));
  return typeof r?.us === "number" ? r.us : undefined;
}

export function timeBudget(rows: BenchRow[], kernels: KernelBenchSection, isa: string | null, model = "bitnet-2b4t"): TimeBudget[] {
  if (kernels.status !== "ok" || kernels.rows.length === 0) return [];
  const out: TimeBudget[] = [];
  for (const r of rows) {
    if (r.engine !== "ryzen" || r.model !== model || r.status !== "ok" || !r.tokensPerS) continue;
    const isDecode = r.test.startsWith("tg");
    const isPp128 = r.test === "pp128";
    if (!isDecode && !isPp128) continue;
    let matmul = 0;
    let complete = true;
    for (const [shape, count] of Object.entries(PER_LAYER)) {
      const t = isDecode ? bestTime(kernels.rows, "gemv", shape, r.threads, isa, "us") : bestTime(kernels.rows, "gemm", shape, r.threads, isa, "ms");
      if (t === undefined) complete = false;
      else matmul += count * LAYERS_2B * (isDecode ? t / 1000 : t);
    }
    const head = headUs(kernels.rows, r.threads, isa);
    if (head === undefined) complete = false;
    else matmul += head / 1000; // one head GEMV per decode token and per prompt (last position's logits)
    if (!complete) continue;
    const measuredMs = isDecode ? 1000 / r.tokensPerS.median : (128 * 1000) / r.tokensPerS.median;
    out.push({
      phase: isDecode ? "decode" : "prefill",
      threads: r.threads,
      format: r.format,
      measuredMs,
      matmulMs: matmul,
      matmulFraction: matmul / measuredMs,
      overPredicted: matmul > 1.05 * measuredMs,
      bytesPerToken: isDecode ? r.fileBytes : undefined,
      effectiveGBs: isDecode && r.fileBytes ? (r.fileBytes * r.tokensPerS.median) / 1e9 : undefined,
    });
  }
  // one line per phase/threads/format (tg64 and tg128 say the same thing; keep the longer)
  const seen = new Map<string, TimeBudget>();
  for (const b of out) seen.set(`${b.phase}|${b.threads}|${b.format}`, b);
  return [...seen.values()];
}
