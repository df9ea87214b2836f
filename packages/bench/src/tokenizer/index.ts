// Tokenizer benchmark: encode/decode throughput of @ryzen/tokenizer next to js-tiktoken and
// @huggingface/tokenizers on the same vocabs (Llama 3 and GPT-2), plus pathological inputs.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  hfJsonFromGGUF, readGGUFMetadata, tokenizerFromGGUF, type Tokenizer,
} from "@ryzen/tokenizer";
import { mixedText, pathological, type BenchInput } from "./corpus.js";
import { hfTokenizers, jsTiktokenFromRankFile, jsTiktokenGpt2, type PeerTokenizer } from "./peers.js";

export interface TokenizerBenchOptions {
  /** Smaller inputs and a single timed run (for CI smoke runs). */
  quick?: boolean;
  /** Timed runs per implementation and input, best taken (default 3; 1 with `quick`). More
   *  runs filter out more of a shared machine's slow moments. */
  runs?: number;
  /** Directory holding tokenizer-vectors/ (default: $RYZEN_SHARED_DIR, else a `shared` folder
   *  found beside or above the current directory). */
  sharedDir?: string;
}

export interface EncodeResult {
  vocab: "llama3" | "gpt2";
  impl: string;
  input: string;
  bytes: number;
  tokens: number;
  /** MB/s of UTF-8 input (1 MB = 1e6 bytes), best of the timed runs */
  mbPerSec: number;
  /** ids identical to @ryzen/tokenizer's on this input (always true for ryzen itself) */
  sameIds: boolean;
}

export interface DecodeResult {
  vocab: "llama3" | "gpt2";
  impl: string;
  tokens: number;
  /** millions of tokens per second, and MB/s of decoded UTF-8 */
  mTokPerSec: number;
  mbPerSec: number;
}

export interface TokenizerBenchReport {
  quick: boolean;
  proseBytes: number;
  encode: EncodeResult[];
  decode: DecodeResult[];
  /** ryzen MB/s ÷ fastest peer MB/s on the prose+code corpus, per vocab */
  speedupVsFastestPeer: Record<"llama3" | "gpt2", number>;
  /** ryzen pathological-input MB/s ÷ ryzen prose MB/s, per vocab and input (≥ 1/3 is the goal) */
  pathologicalRatio: Record<string, number>;
  notes: string[];
}

function findSharedDir(): string {
  const env = process.env.RYZEN_SHARED_DIR;
  if (env) return env;
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    for (const cand of [join(dir, "shared"), join(dir, "..", "shared")]) {
      if (existsSync(join(cand, "tokenizer-vectors"))) return cand;
    }
    if (dirname(dir) === dir) throw new Error("tokenizer bench: cannot find shared/tokenizer-vectors; set RYZEN_SHARED_DIR");
  }
}

/** CPU time of this process in ms. The machine may be shared: CPU time, unlike wall time,
 *  does not count the time other processes hold the cores. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Best CPU time (ms) of `runs` calls timed(input(run)), after one warm-up with input(-1).
 *  Preparing the input is not timed. */
function bestTime<T>(runs: number, input: (run: number) => T, timed: (x: T) => void): number {
  timed(input(-1));
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const x = input(i);
    const t0 = cpuMs();
    timed(x);
    best = Math.min(best, cpuMs() - t0);
  }
  return Math.max(best, 1e-3);
}

function sameArray(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

interface Contender { impl: string; encode(text: string): number[]; decode(ids: number[]): string }

export async function runTokenizerBench(opts: TokenizerBenchOptions = {}): Promise<TokenizerBenchReport> {
  const quick = opts.quick ?? false;
  const shared = opts.sharedDir ?? findSharedDir();
  const vec = join(shared, "tokenizer-vectors");
  const proseBytes = quick ? 256 * 1024 : 3 * 1024 * 1024;
  const pathoBytes = quick ? 64 * 1024 : 1024 * 1024;
  const peerPathoBytes = 8 * 1024; // peers' merge loops are quadratic on one huge pre-token
  const runs = opts.runs ?? (quick ? 1 : 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`tokenizer bench: runs must be a positive integer, got ${runs}`);
  const prose = mixedText(proseBytes);
  const patho = pathological(pathoBytes);
  const utf8 = (s: string): number => new TextEncoder().encode(s).length;
  const notes: string[] = [
    "MB/s = input bytes per CPU-second of this process (best of the timed runs, after a warm-up); CPU time rather than wall time because the machine may be shared",
    "random bytes: a different random text for every run, so no run is served from the word cache of an earlier one",
    `peers run the pathological inputs on their first ${peerPathoBytes / 1024} KB only (js-tiktoken's merge loop is quadratic in pre-token length)`,
    "llama3: js-tiktoken on bitnet-b1.58-2B-4T.tokenizer.model with the Llama 3 split regex in JavaScript syntax; @huggingface/tokenizers on tokenizer.json exported from llama3-vocab.gguf",
    "gpt2: js-tiktoken's bundled gpt2 ranks; @huggingface/tokenizers on tokenizer.json exported from ggml-vocab-gpt-2.gguf",
  ];

  const encode: EncodeResult[] = [];
  const decode: DecodeResult[] = [];
  const speedup = { llama3: 0, gpt2: 0 };
  const pathologicalRatio: Record<string, number> = {};

  for (const vocab of ["llama3", "gpt2"] as const) {
    const ggufPath = join(vec, vocab === "llama3" ? "llama3-vocab.gguf" : "ggml-vocab-gpt-2.gguf");
    const meta = readGGUFMetadata(readFileSync(ggufPath)).metadata;
    const ours: Tokenizer = tokenizerFromGGUF(meta);
    const peers: PeerTokenizer[] = [
      vocab === "llama3"
        ? await jsTiktokenFromRankFile(readFileSync(join(vec, "bitnet-b1.58-2B-4T.tokenizer.model"), "utf8"))
        : await jsTiktokenGpt2(),
      await hfTokenizers(hfJsonFromGGUF(meta)),
    ];
    const contenders: Contender[] = [
      { impl: "@ryzen/tokenizer", encode: (t) => ours.encode(t, { addBos: false }), decode: (ids) => ours.decode(ids) },
      ...peers.map((p) => ({ impl: p.name, encode: p.encode, decode: p.decode })),
    ];

    const inputs: BenchInput[] = [{ name: "prose+code", text: () => prose }, ...patho];
    let ourProse = 0;
    const peerBest: number[] = [];
    for (const input of inputs) {
      for (const c of contenders) {
        const isOurs = c.impl === "@ryzen/tokenizer";
        const full = isOurs || input.name === "prose+code";
        const textOf = (run: number): string => (full ? input.text(run) : input.text(run).slice(0, peerPathoBytes));
        let ids: number[] = [];
        let last = "";
        const ms = bestTime(runs, (run) => (last = textOf(run)), (text) => { ids = c.encode(text); });
        const bytes = utf8(last);
        const want = ours.encode(last, { addBos: false });
        const mbPerSec = bytes / 1e6 / (ms / 1e3);
        encode.push({ vocab, impl: c.impl, input: input.name + (full ? "" : ` (${bytes} B)`), bytes, tokens: ids.length, mbPerSec, sameIds: sameArray(ids, want) });
        if (input.name === "prose+code") {
          if (isOurs) ourProse = mbPerSec;
          else peerBest.push(mbPerSec);
        } else if (isOurs) pathologicalRatio[`${vocab}: ${input.name}`] = mbPerSec / ourProse;
      }
    }
    speedup[vocab] = ourProse / Math.max(...peerBest);

    const ids = ours.encode(prose, { addBos: false });
    for (const c of contenders) {
      let out = "";
      const ms = bestTime(runs, () => ids, (x) => { out = c.decode(x); });
      decode.push({ vocab, impl: c.impl, tokens: ids.length, mTokPerSec: ids.length / 1e6 / (ms / 1e3), mbPerSec: utf8(out) / 1e6 / (ms / 1e3) });
    }
  }
  return { quick, proseBytes, encode, decode, speedupVsFastestPeer: speedup, pathologicalRatio, notes };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |";
  return [line(header), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}

export function formatTokenizerBench(r: TokenizerBenchReport): string {
  const enc = table(
    ["vocab / input", "implementation", "bytes", "tokens", "MB/s", "same ids"],
    r.encode.map((e) => [`${e.vocab} / ${e.input}`, e.impl, String(e.bytes), String(e.tokens), e.mbPerSec.toFixed(2), e.sameIds ? "yes" : "NO"]),
  );
  const dec = table(
    ["vocab", "implementation", "tokens", "Mtok/s", "MB/s"],
    r.decode.map((d) => [d.vocab, d.impl, String(d.tokens), d.mTokPerSec.toFixed(2), d.mbPerSec.toFixed(2)]),
  );
  const lines = [
    `Tokenizer encode (${(r.proseBytes / 1e6).toFixed(2)} MB prose+code${r.quick ? ", quick" : ""})`,
    enc,
    "",
    "Tokenizer decode (ids of the prose+code corpus)",
    dec,
    "",
    `Speed-up vs fastest peer on prose+code: llama3 ${r.speedupVsFastestPeer.llama3.toFixed(2)}x, gpt2 ${r.speedupVsFastestPeer.gpt2.toFixed(2)}x (goal >= 1.5x)`,
    "Pathological throughput / prose throughput (@ryzen/tokenizer; goal >= 0.33): " +
      Object.entries(r.pathologicalRatio).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", "),
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return lines.join("\n");
}
