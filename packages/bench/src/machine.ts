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
  loadavg: number[];
  kernel: string;
  node: string;
  bandwidth: BandwidthResult[];
  notes: string[];
}

const INTERESTING_FLAGS = ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512vbmi", "avx_vnni"];

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

/** Reads the kernels' bandwidth probe result whatever its exact shape ({gbPerS} / {GBps} / number). */
function asGbPerS(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v && typeof v === "object") {
    for (const key of ["gbPerS", "GBps", "gbps", "readGBps", "bandwidthGBps", "gb_per_s"]) {
      const x = (v as Record<string, unknown>)[key];
      if (typeof x === "number") return x;
    }
  }
  return undefined;
}

/** Read bandwidth measured now (same run as the figures it is compared with), per thread count. */
export async function measureBandwidth(threads: number[], notes: string[]): Promise<BandwidthResult[]> {
  let k;
  try {
    k = await loadKernels();
  } catch (err) {
    notes.push(`read bandwidth not measured: ${(err as Error).message}`);
    return [];
  }
  const probe = k.measureReadBandwidth ?? k.readBandwidth;
  if (!probe) {
    notes.push("read bandwidth not measured: @ryzen/kernels has no bandwidth probe export yet");
    return [];
  }
  const out: BandwidthResult[] = [];
  for (const t of threads) {
    try {
      const gb = asGbPerS(await probe.call(k, { threads: t }));
      if (gb !== undefined) out.push({ gbPerS: gb, threads: t, source: "@ryzen/kernels probe" });
    } catch (err) {
      notes.push(`bandwidth probe failed at ${t} threads: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Machine facts; `bandwidth` is filled by the caller with measureBandwidth once thread counts are known. */
export async function machineInfo(): Promise<MachineInfo> {
  const cpu = procCpu();
  const notes: string[] = [];
  let isa: string | null = null;
  let isaAvailable: string[] = [];
  let physical = cpu.physical;
  try {
    const info = (await loadKernels()).cpuInfo();
    isa = info.isa;
    isaAvailable = info.available;
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
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    kernel,
    node: process.version,
    bandwidth: [],
    notes,
  };
}
