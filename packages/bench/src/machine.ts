import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { loadKernels } from "./deps.js";

export interface BandwidthResult {
  gbPerS: number;
  threads: number;
  source: string;
}

export interface MachineInfo {
  cpuModel: string;
  flags: string[];
  logicalCores: number;
  physicalCores: number | null;
  memoryGiB: number;
  isa: string | null;
  isaAvailable: string[];
  /** ternary prefill on AMX tiles (@ryzen/kernels cpuInfo().amx) */
  amx: boolean;
  loadavg: number[];
  kernel: string;
  node: string;
  bandwidth: BandwidthResult[];
  notes: string[];
}

const INTERESTING_FLAGS = ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512vbmi", "avx_vnni", "amx_int8"];

function procCpu(): { model: string; flags: string[]; physical: number | null } {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const model = /model name\s*:\s*(.*)/.exec(text)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
    const flags = (/flags\s*:\s*(.*)/.exec(text)?.[1] ?? "").split(/\s+/).filter((f) => INTERESTING_FLAGS.includes(f));
    const cores = new Set<string>();
    for (const block of text.split(/\n\n/)) {
      const phys = /physical id\s*:\s*(\d+)/.exec(block)?.[1];
      const core = /core id\s*:\s*(\d+)/.exec(block)?.[1];
      if (core !== undefined) cores.add(`${phys ?? 0}:${core}`);
    }
    return { model, flags, physical: cores.size || null };
  } catch {
    return { model: cpus()[0]?.model ?? "unknown", flags: [], physical: null };
  }
}

const PROBE_BYTES = 256 * 2 ** 20; // far beyond L3, so DRAM is what gets measured
const PROBE_REPS = 5;

/**
 * Read bandwidth measured now (same run as the figures it is compared with), per thread count, with
 * @ryzen/kernels' native streaming-read probe (op "bench_read": touches every 64-byte line of a
 * 256 MiB buffer with the widest loads the ISA has). Median of 5 after a warm-up.
 */
export async function measureBandwidth(threads: number[], notes: string[]): Promise<BandwidthResult[]> {
  let k;
  try {
    k = await loadKernels();
  } catch (err) {
    notes.push(`read bandwidth not measured: ${(err as Error).message}`);
    return [];
  }
  if (!k.runOp || !k.Tensor || !k.opNames?.().includes("bench_read")) {
    notes.push("read bandwidth not measured: @ryzen/kernels has no bench_read probe op");
    return [];
  }
  const F32 = 0;
  const I32 = 26;
  const buf = k.Tensor.empty(F32, [PROBE_BYTES / 4]);
  // write every page first: untouched zeroed memory maps the kernel's shared zero page, and reading
  // that measures the cache, not DRAM (an untouched buffer reported ~95 GB/s on one core here)
  buf.bytes().fill(0x5a);
  const sink = k.Tensor.empty(I32, [64]);
  const before = k.getThreads?.();
  const out: BandwidthResult[] = [];
  try {
    for (const t of threads) {
      k.setThreads?.(t);
      k.runOp("bench_read", [sink, buf]);
      const secs: number[] = [];
      for (let r = 0; r < PROBE_REPS; r++) {
        const t0 = performance.now();
        k.runOp("bench_read", [sink, buf]);
        secs.push((performance.now() - t0) / 1000);
      }
      secs.sort((a, b) => a - b);
      out.push({ gbPerS: PROBE_BYTES / secs[secs.length >> 1] / 1e9, threads: t, source: "@ryzen/kernels bench_read" });
    }
  } catch (err) {
    notes.push(`bandwidth probe failed: ${(err as Error).message}`);
  } finally {
    buf.dispose();
    sink.dispose();
    if (before !== undefined) k.setThreads?.(before);
  }
  return out;
}

/** Machine facts; `bandwidth` is filled by the caller with measureBandwidth once thread counts are known. */
export async function machineInfo(): Promise<MachineInfo> {
  const cpu = procCpu();
  const notes: string[] = [];
  let isa: string | null = null;
  let isaAvailable: string[] = [];
  let amx = false;
  let physical = cpu.physical;
  try {
    const info = (await loadKernels()).cpuInfo();
    isa = info.isa;
    isaAvailable = info.available;
    amx = info.amx === true;
    physical = info.physicalCores || physical;
  } catch (err) {
    notes.push(`ISA unknown: ${(err as Error).message}`);
  }
  let kernel = "";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    /* not Linux */
  }
  return {
    cpuModel: cpu.model,
    flags: cpu.flags,
    logicalCores: cpus().length,
    physicalCores: physical,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    isa,
    isaAvailable,
    amx,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    kernel,
    node: process.version,
    bandwidth: [],
    notes,
  };
}
