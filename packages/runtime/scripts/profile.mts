// End-to-end timing and per-op profile of one GGUF model: load, prefill (pp), decode (tg), TTFT,
// peak RSS; with the kernels' plan profiler on, time per op kind, % of the step and effective GB/s
// of the matmuls. Usage:
//   pnpm exec tsx packages/runtime/scripts/profile.mts [model.gguf] [--threads 1,2] [--pp 128] [--tg 64]
//     [--decode-after N] [--no-profile]
// --decode-after N: decode after an N-token prompt (a long context: attention reads N+ positions)
// instead of after BOS alone.
// Default model: the bench's 2B-4T TQ2_0 + Q6_K head file in ~/.cache/ryzen/bench.
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir, loadavg } from "node:os";
import { join } from "node:path";
import * as kernels from "@ryzen/kernels";
import { loadModel } from "../src/index.js";

interface ProfileEntry { label: string; op: string; calls: number; ns: number; bytes: number }
type ProfileApi = { setProfiling(on: boolean): void; profileStats(): ProfileEntry[]; resetProfile(): void };

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args[k + 1] : dflt;
};
const model = args.find((a, k) => !a.startsWith("--") && (k === 0 || !args[k - 1].startsWith("--"))) ??
  join(homedir(), ".cache/ryzen/bench/bitnet-2b4t-tq2_0-q6_k-s1-g2.gguf");
const threadList = flag("threads", "1,2").split(",").map(Number);
const ppLen = Number(flag("pp", "128"));
const tgLen = Number(flag("tg", "64"));
const decodeAfter = Number(flag("decode-after", "0"));
const prof = (kernels as unknown as Partial<ProfileApi>).profileStats ? (kernels as unknown as ProfileApi) : undefined;
const profiling = !args.includes("--no-profile") && prof !== undefined;

const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const fmt = (x: number, d = 1) => x.toFixed(d);

function ids(n: number, vocab: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 1 + (s % (vocab - 1));
  });
}

/** Groups profile entries by label and prints ms per step, % of the step and GB/s. */
function printProfile(title: string, steps: number, wallMs: number): void {
  if (!prof) return;
  const rows = prof.profileStats().filter((e) => e.calls > 0);
  const total = rows.reduce((a, e) => a + e.ns, 0) / 1e6;
  rows.sort((a, b) => b.ns - a.ns);
  console.log(`\n${title}: ${steps} step(s), wall ${fmt(wallMs)} ms, in plans ${fmt(total)} ms (${fmt((100 * total) / wallMs)} %), load ${load()}`);
  console.log("  " + "op / shape".padEnd(58) + "ms/step".padStart(9) + "%".padStart(7) + "GB/s".padStart(8) + "MB/step".padStart(9));
  let bytes = 0;
  for (const e of rows) {
    const ms = e.ns / 1e6 / steps;
    const gbs = e.bytes > 0 ? e.bytes / e.ns : 0;
    bytes += e.bytes;
    console.log("  " + e.label.padEnd(58) + fmt(ms, 3).padStart(9) + fmt((100 * e.ns) / 1e6 / total).padStart(7) +
      (gbs > 0 ? fmt(gbs, 1) : "").padStart(8) + (e.bytes > 0 ? fmt(e.bytes / steps / 1e6) : "").padStart(9));
  }
  console.log(`  weight bytes read per step: ${fmt(bytes / steps / 1e6)} MB; effective ${fmt(bytes / (total * 1e6), 1)} GB/s over plan time`);
}

async function main() {
  console.log(`model ${model}\nload average ${load()}  cpu ${kernels.cpuInfo().brand} isa ${kernels.cpuInfo().isa}`);
  for (const threads of threadList) {
    const t0 = performance.now();
    const m = await loadModel(model, { threads, contextLength: Math.max(ppLen, decodeAfter) + tgLen + 64, maxSequences: 1, batchSize: Math.max(ppLen, 32) });
    const loadMs = performance.now() - t0;
    const ms = kernels.memoryStats();
    console.log(`\n== threads ${threads}: load ${fmt(loadMs / 1000, 2)} s, rss ${fmt(rssMb(), 0)} MB (${rssParts()}; pool used ${fmt(ms.used / 2 ** 20, 0)} MB, repacked ${fmt(ms.prepared / 2 ** 20, 0)} MB, mapped ${fmt(ms.mapped / 2 ** 20, 0)} MB), weights ${fmt(m.info.weightBytes as number / 2 ** 20, 0)} MB, head ${m.info.outputType}`);
    const vocab = m.info.vocabSize;
    const prompt = ids(ppLen, vocab, 7);
    await m.evaluate(prompt.slice(0, 16)); // warm-up: plan build, first touch
    let t = performance.now();
    await m.evaluate(prompt);
    const ppMs = performance.now() - t;
    if (profiling) { prof!.resetProfile(); prof!.setProfiling(true); }
    t = performance.now();
    await m.evaluate(prompt);
    const ppMsProf = performance.now() - t;
    if (profiling) { prof!.setProfiling(false); printProfile(`prefill pp${ppLen} (profiled)`, 1, ppMsProf); }
    const ban: Record<number, number> = {};
    for (const id of [m.info.tokenizer.eos, m.info.tokenizer.eot]) if (typeof id === "number") ban[id] = -Infinity;
    const start = decodeAfter > 0 ? ids(decodeAfter, vocab, 5) : [m.info.tokenizer.bos ?? 1];
    await m.generate(start, { maxTokens: 4, temperature: 0, logitBias: ban }).result;
    const g = await m.generate(start, { maxTokens: tgLen, temperature: 0, logitBias: ban }).result;
    if (profiling) { prof!.resetProfile(); prof!.setProfiling(true); }
    const gp = await m.generate(start, { maxTokens: tgLen, temperature: 0, logitBias: ban }).result;
    const tgTitle = `decode tg${tgLen}${decodeAfter > 0 ? ` after ${decodeAfter} tokens` : ""} (profiled, prompt included)`;
    if (profiling) { prof!.setProfiling(false); printProfile(tgTitle, gp.tokens.length, gp.timings.decodeMs + gp.timings.promptMs); }
    const ttfts: number[] = [];
    for (let r = 0; r < 3; r++) ttfts.push((await m.generate(ids(32, vocab, 11 + r), { maxTokens: 1, temperature: 0 }).result).timings.ttftMs);
    console.log(`\nthreads ${threads}: pp${ppLen} ${fmt((ppLen * 1000) / ppMs)} tok/s (profiled ${fmt((ppLen * 1000) / ppMsProf)}), ` +
      `tg${tgLen} ${fmt(g.timings.decodeTokensPerS)} tok/s (profiled ${fmt(gp.timings.decodeTokensPerS)}), ` +
      `TTFT(32) ${ttfts.map((x) => fmt(x, 0)).join("/")} ms, peak rss ${fmt(peakRss(), 0)} MB (now ${rssParts()}), load avg ${load()}`);
    m.dispose();
  }
}

/** Resident anonymous and file-backed memory (MB) from /proc/self/status. */
function rssParts(): string {
  try {
    const st = readFileSync(`/proc/${process.pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? NaN) / 1024;
    return `anon ${fmt(kb("RssAnon"), 0)} MB + file ${fmt(kb("RssFile"), 0)} MB`;
  } catch {
    return "";
  }
}

function peakRss(): number {
  try {
    const s = execSync(`grep VmHWM /proc/${process.pid}/status`).toString();
    return Number(s.split(/\s+/)[1]) / 1024;
  } catch {
    return NaN;
  }
}

await main();
