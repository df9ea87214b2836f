#!/usr/bin/env node
// Kernel benchmark: ternary GEMV / GEMM (n=128) over the BitNet-b1.58-2B-4T projection shapes and
// the output head, per ISA, kernel family and thread count, beside the machine's own read
// bandwidth and int8 multiply-add peak measured in the same run (probe ops "bench_read" and
// "bench_peak"). Weights stream from >= --mb MB of distinct memory so DRAM, not cache, is measured.
// GEMV rows also show the read probe cut into ops of the row's size (small ops pay a barrier and
// their streams' start per op, which no kernel can avoid); the bars use the whole-buffer read.
//
//   node bench/kernels-bench.mjs [options]   (options: --help, or USAGE below)
//
// Also exported: runKernelBench(options) -> result object (used by @ryzen/bench).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as K from "../dist/index.js";

const MB = 1 << 20;
export const SHAPES = [
  { name: "attn q/o", K: 2560, N: 2560 },
  { name: "attn k/v", K: 2560, N: 640 },
  { name: "ffn gate/up", K: 2560, N: 6912 },
  { name: "ffn down", K: 6912, N: 2560 },
];
// The runtime runs these projections as one matmul_multi op over a shared input: the activation
// tables are built once for all parts (a standalone k/v GEMV pays them for 1/4 of q's bytes).
const fused = (name, K, parts) => ({ name, K, N: parts.reduce((a, b) => a + b, 0), parts });
export const FUSED_SHAPES = [fused("attn q+k+v", 2560, [2560, 640, 640]), fused("ffn gate+up", 2560, [6912, 6912])];
export const HEAD = { name: "output head", K: 2560, N: 128256 };
const ISAS = ["scalar", "avx2", "avx512"], FAMILIES = ["lut", "mad", "amx", "t2"];

/** Bytes the T3 engine layout streams for an N x K ternary matrix (see native/ternary/t3.h). */
export const t3Bytes = (K, N) => Math.ceil(N / 16) * Math.ceil(K / 256) * 880;
/** The same for the 2-bit T2 layout (native/ternary/t2.h). */
export const t2Bytes = (K, N) => N * Math.ceil(K / 256) * 64;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nowNs = () => process.hrtime.bigint();

// The 'cpu %' ratio, on rates from process CPU time: on a shared machine one thread's CPU time
// approximates its run time without being descheduled. Only for 1 thread: Linux accounts other
// running threads' CPU time at scheduler ticks, so over these few-ms runs their share is
// undercounted by up to a tick each.
const cpuRatioPct = (threads, rate, probeRate) => (threads === 1 ? (100 * rate) / probeRate : NaN);

// Wall time (median, best) and process CPU time (best).
function timeRuns(fn, reps) {
  fn(); // warm up (also first-touch of scratch)
  return pairedRuns([fn], reps)[0];
}

// Runs fns[0], fns[1], ... in turn, `reps` rounds, and returns per fn the wall time (median, best)
// and process CPU time (best). Interleaving a probe with the kernel it is compared with gives both
// the same machine: on a shared host, separate series catch different moments of a second vCPU.
function pairedRuns(fns, reps) {
  const ts = fns.map(() => []), cs = fns.map(() => []);
  for (let r = 0; r < reps; r++)
    fns.forEach((fn, i) => {
      const c0 = process.cpuUsage();
      const t0 = nowNs();
      fn(r);
      ts[i].push(Number(nowNs() - t0) / 1e9);
      const c = process.cpuUsage(c0);
      cs[i].push((c.user + c.system) / 1e6);
    });
  return fns.map((_, i) => ({ median: median(ts[i]), best: Math.min(...ts[i]), cpu: Math.min(...cs[i]), times: ts[i] }));
}

// 2-thread scaling of a compute-bound product, robust to a shared host: each round runs it at 1
// thread and right after at 2 (the pool's workers woken by a small untimed job first, so a wake-up
// is not counted), and the ratio of that round's times is the round's sample. Leaves 2 threads set.
function pairedScaling(plans, wake, reps) {
  const ratios = [];
  for (let r = 0; r < reps; r++) {
    const plan = plans[r % plans.length];
    K.setThreads(1);
    let t0 = nowNs();
    plan.run();
    const one = Number(nowNs() - t0);
    K.setThreads(2);
    wake();
    t0 = nowNs();
    plan.run();
    ratios.push(one / Number(nowNs() - t0));
  }
  return { ratio: median(ratios), rounds: reps };
}

// Median over rounds of (kernel rate / probe rate), each round's kernel run against the probe run
// just before it: on a host whose speed changes from second to second, the kernel is compared
// with what the machine gave at that moment. In percent.
export function pairedPct(probeTiming, probeWork, kernelTiming, kernelWork) {
  const ratios = kernelTiming.times.map((t, r) => (kernelWork / t) / (probeWork / probeTiming.times[r]));
  return 100 * median(ratios);
}

function seededTernary(n, seed) {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out[k] = (a % 3) - 1;
  }
  return out;
}

// The machine is shared and noisy, so every kernel row is paired with a probe run in alternation
// with it (same ISA and thread count) and ratios use the best of the rounds of each.
let probeBuf = null;
const probeSink = () => K.Tensor.empty(K.GGMLType.I32, [64]);

/** The read-bandwidth probe: run() streams `bytes` once; rates(timing) converts a timing to GB/s. */
function readProbe(bytes) {
  if (!probeBuf || probeBuf.byteLength !== bytes) {
    probeBuf?.dispose();
    probeBuf = K.Tensor.empty(K.GGMLType.F32, [bytes / 4]);
    probeBuf.f32().fill(1); // touch every page: untouched zero pages would be read from cache
  }
  const sink = probeSink(), threads = K.getThreads();
  return {
    work: bytes,
    run: () => K.runOp("bench_read", [sink, probeBuf]),
    rates: ({ median: s, best, cpu }) => ({ gbs: bytes / best / 1e9, medianGbs: bytes / s / 1e9, cpuGbs: (bytes * threads) / cpu / 1e9 }),
  };
}

/** The same read cut into ops of `pieceBytes` (one bench_read per piece, one plan): what a plain
 *  read gets at a GEMV row's op size, each op paying its barrier and its streams' start. */
function pieceReadProbe(bytes, pieceBytes) {
  readProbe(bytes); // allocates and touches probeBuf
  const count = Math.max(1, Math.floor(bytes / pieceBytes)), floats = pieceBytes / 4;
  const grid = probeBuf.reshape([1, bytes / 4]).rows(0, floats * count).reshape([floats, count]);
  const sink = probeSink();
  const plan = new K.Plan(Array.from({ length: count }, (_, i) => ({ op: "bench_read", t: [sink, grid.rows(i, 1)] })));
  return {
    run: () => plan.run(),
    rates: ({ best }) => ({ gbs: (count * pieceBytes) / best / 1e9 }),
    dispose: () => plan.dispose(),
  };
}

/** The int8 multiply-add peak probe (vpdpbusd / vpmaddubsw chains), as readProbe. */
function peakProbe(threads) {
  if (K.cpuInfo().isa === "scalar") return null; // no portable peak probe
  const sink = probeSink();
  const iters = 1_000_000;
  const ops = threads * iters * (K.cpuInfo().isa === "avx512" ? 16 * 64 * 2 : 16 * 32 * 2);
  return {
    work: ops,
    run: () => K.runOp("bench_peak", [sink], [iters]),
    rates: ({ median: s, best, cpu }) => ({ gops: ops / best / 1e9, medianGops: ops / s / 1e9, cpuGops: (ops * threads) / cpu / 1e9 }),
  };
}

const NO_PEAK = { gops: NaN, medianGops: NaN, cpuGops: NaN };

function readBandwidth(bytes, reps) {
  const p = readProbe(bytes);
  return p.rates(timeRuns(p.run, reps));
}

function int8Peak(threads, reps) {
  const p = peakProbe(threads);
  return p ? p.rates(timeRuns(p.run, reps)) : NO_PEAK;
}

/** Times `kernel` and `probe` in alternation after one warm-up run each: [probe rates, kernel
 *  timing, paired % (see pairedPct; NaN without a probe or without `kernelWork`)]. */
function pairedWithProbe(probe, kernel, reps, kernelWork) {
  probe?.run();
  kernel(0);
  if (!probe) return [NO_PEAK, pairedRuns([kernel], reps)[0], NaN];
  const [p, k] = pairedRuns([probe.run, kernel], reps);
  return [probe.rates(p), k, kernelWork ? pairedPct(p, probe.work, k, kernelWork) : NaN];
}

function probeBandwidth(threads, bytes, reps) {
  const out = {};
  for (const t of threads) {
    K.setThreads(t);
    out[t] = readBandwidth(bytes, reps);
  }
  return out;
}

function probePeak(threads, reps) {
  const out = {};
  for (const t of threads) {
    K.setThreads(t);
    out[t] = int8Peak(t, reps);
  }
  return out;
}

const partsOf = (shape) => shape.parts ?? [shape.N];

/** A plan of one matmul (or matmul_multi over a shape's parts) per copy; y holds the parts' outputs. */
function matmulPlan(copies, x, y) {
  return new K.Plan(copies.map((ws) =>
    ws.length === 1 ? { op: "matmul", t: [y[0], ws[0], x] } : { op: "matmul_multi", t: [...ws.flatMap((w, j) => [y[j], w]), x] }));
}

const outputs = (shape, n) => partsOf(shape).map((N) => K.Tensor.empty(K.GGMLType.F32, [N, n]));

/** Distinct prepared copies (each a list of part tensors) of >= mb MB of one shape's weights, in
 *  the T3 or T2 engine layout. */
function ternaryCopies(shape, mb, type, layout) {
  const parts = partsOf(shape);
  const bytes = parts.map((N) => K.quantize(type, seededTernary(shape.K * N, shape.K + N), N, shape.K));
  const per = parts.reduce((sum, N) => sum + (layout === "t2" ? t2Bytes : t3Bytes)(shape.K, N), 0);
  const count = Math.max(1, Math.ceil((mb * MB) / per));
  const weights = [];
  const prev = process.env.RYZEN_TERNARY_LAYOUT;
  process.env.RYZEN_TERNARY_LAYOUT = layout;
  try {
    for (let c = 0; c < count; c++) weights.push(parts.map((N, j) => K.Tensor.from(type, [shape.K, N], bytes[j]).prepare()));
  } finally {
    if (prev === undefined) delete process.env.RYZEN_TERNARY_LAYOUT;
    else process.env.RYZEN_TERNARY_LAYOUT = prev;
  }
  return { weights, per };
}

/** The ternary layout ("t3" or "t2") the engine prepares weights in under the current ISA. */
function defaultLayout() {
  const w = K.Tensor.from(K.GGMLType.TQ2_0, [256, 16], K.quantize(K.GGMLType.TQ2_0, new Float32Array(4096), 16, 256)).prepare();
  try {
    return K.matmulKernels(K.GGMLType.TQ2_0, w).some((k) => k.includes(".t2")) ? "t2" : "t3";
  } finally {
    w.dispose();
  }
}
const layoutOf = (family) => (family === "t2" ? "t2" : "t3");

// Families: lut, mad (the ISA's vector multiply-add) and amx (multiply-add on AMX tiles, AVX-512
// CPUs that have them; GEMM only) run on T3 weights (RYZEN_TERNARY_KERNEL picks one); t2 is the
// 2-bit layout's multiply-add (the ISA's own kernel; the layout's selection picks it).
function setFamily(family) {
  if (family === "lut" || family === "mad" || family === "amx") process.env.RYZEN_TERNARY_KERNEL = family;
  else delete process.env.RYZEN_TERNARY_KERNEL;
}

export function runKernelBench(opts = {}) {
  const info = K.cpuInfo();
  const isas = opts.isas ?? info.available.filter((i) => i !== "scalar");
  const threads = opts.threads ?? [1, 2];
  const reps = opts.reps ?? 5;
  const gemmReps = 3 * reps;
  const mb = opts.mb ?? 256;
  const families = opts.families ?? FAMILIES;
  const allShapes = opts.fused === false ? SHAPES : [...SHAPES, ...FUSED_SHAPES];
  const shapes = opts.shapes ? allShapes.filter((s) => opts.shapes.some((w) => s.name.includes(w))) : allShapes;
  const doGemv = opts.only !== "gemm", doGemm = opts.only !== "gemv";
  const type = opts.type ?? K.GGMLType.I2_S;
  const probeBytes = Math.max(256, mb) * MB;
  const prevIsa = info.isa, prevThreads = K.getThreads(), prevFamily = process.env.RYZEN_TERNARY_KERNEL;
  const result = {
    machine: {
      cpu: info.brand, isaBest: info.best, prefetch: info.prefetch, amx: info.amx, physicalCores: info.physicalCores,
      loadavg: readFileSync("/proc/loadavg", "utf8").trim(), date: new Date().toISOString(),
    },
    bandwidth: {}, peak: {}, layout: {}, gemv: [], gemm: [], scaling: [], head: [],
    notes: [
      "weight GB/s counts the bytes the kernels stream: the T3 layout (1.72 bits/weight) for ternary lut/mad rows, T2 (2 bits/weight) for t2 rows",
      "GEMM GOPS = 2*N*K*n / time (multiply-add = 2 ops), n = 128 tokens",
      "each row's ratio is against a read-bandwidth / int8-peak probe run in alternation with it (same ISA and threads); times are the best of the rounds (GEMM: 3x reps rounds of one product)",
      "'paired': the median over rounds of the row's rate over the probe's rate in the same round (the probe runs just before the kernel): robust to the host changing speed between rounds, information only (the bars use the best-of-rounds ratio)",
      "'cpu %' (1 thread only) repeats the ratio on process CPU time (robust to being descheduled on a shared machine)",
      "2T/1T scaling: the median over rounds of (1-thread time / 2-thread time) of one 128-token product, the two runs back to back in each round (the pool's workers woken first)",
      "'op-size read': the read probe cut into ops of one weight copy's bytes (a plan of bench_read ops, same rounds), and the row's GB/s as % of it: the ceiling a plain read reaches at that op size, barrier and stream starts included (information only: the bars use the whole-buffer read)",
    ],
  };
  try {
    for (const isa of isas) {
      K.setIsa(isa);
      result.layout[isa] = defaultLayout();
      result.bandwidth[isa] = probeBandwidth(threads, Math.max(256, mb) * MB, reps);
      result.peak[isa] = probePeak(threads, 3);
    }
    for (const shape of shapes) {
      const copies = { t3: null, t2: null }; // prepared on first use: `--family t2` needs no T3 copies
      const x1 = K.Tensor.fromFloat32([shape.K, 1], seededTernary(shape.K, 1).map((v, k) => v + (k % 7) * 0.1));
      const y1 = outputs(shape, 1);
      const n = 128;
      const xn = K.Tensor.fromFloat32([shape.K, n], seededTernary(shape.K * n, 2).map((v, k) => v + (k % 5) * 0.1));
      const yn = outputs(shape, n);
      for (const isa of isas) {
        K.setIsa(isa);
        for (const family of families) {
          if (family === "amx" && (isa !== "avx512" || !info.amx)) continue;
          const layout = layoutOf(family);
          copies[layout] ??= ternaryCopies(shape, mb, type, layout);
          const { weights, per } = copies[layout];
          setFamily(family);
          for (const t of threads) {
            K.setThreads(t);
            // GEMV: every copy once per run (one plan = one native call)
            if (doGemv && family !== "amx") {
              const gemvCopies = family === "mad" ? weights.slice(0, Math.max(1, Math.ceil(weights.length / 8))) : weights;
              const plan = matmulPlan(gemvCopies, x1, y1);
              const long = readProbe(probeBytes), piece = pieceReadProbe(probeBytes, per);
              long.run(), piece.run(), plan.run();
              const [lt, pt, kt] = pairedRuns([long.run, piece.run, () => plan.run()], reps);
              const { median: s, best, cpu } = kt;
              const probe = long.rates(lt), bw = probe.gbs, pieceGbs = piece.rates(pt).gbs;
              plan.dispose();
              piece.dispose();
              const gbs = (per * gemvCopies.length) / best / 1e9;
              const cpuGbs = (per * gemvCopies.length * t) / cpu / 1e9;
              result.gemv.push({
                shape: shape.name, K: shape.K, N: shape.N, isa, family, threads: t,
                us: (best / gemvCopies.length) * 1e6, usMedian: (s / gemvCopies.length) * 1e6, gbs, readGbs: bw, bwPct: (100 * gbs) / bw,
                bwPairedPct: pairedPct(lt, long.work, kt, per * gemvCopies.length),
                pieceReadGbs: pieceGbs, pieceBwPct: (100 * gbs) / pieceGbs,
                cpuGbs, cpuReadGbs: probe.cpuGbs, cpuBwPct: cpuRatioPct(t, cpuGbs, probe.cpuGbs),
              });
            }
            if (!doGemm) continue;
            // GEMM n=128: one product per round, rotating over a few distinct copies, so that a
            // round lasts about as long as the peak probe it alternates with (0.3 to 6 ms)
            const gemmPlans = weights.slice(0, opts.quick ? 1 : 4).map((c) => matmulPlan([c], xn, yn));
            const ops = 2 * shape.N * shape.K * n;
            const [peakRates, { best: s2, cpu: cpu2 }, peakPairedPct] =
              pairedWithProbe(peakProbe(t), (r) => gemmPlans[r % gemmPlans.length].run(), gemmReps, ops);
            if (family === "mad" && t === 2 && threads.includes(1)) {
              const wake = matmulPlan([weights[0]], x1, y1);  // a one-token product over both threads
              result.scaling.push({ shape: shape.name, isa, family, ...pairedScaling(gemmPlans, () => wake.run(), gemmReps) });
              wake.dispose();
            }
            for (const p2 of gemmPlans) p2.dispose();
            const peak = peakRates.gops;
            const gops = ops / s2 / 1e9, cpuGops = (ops * t) / cpu2 / 1e9;
            result.gemm.push({
              shape: shape.name, K: shape.K, N: shape.N, n, isa, family, threads: t,
              ms: s2 * 1e3, gops, peakGops: peak, peakPct: (100 * gops) / peak,
              peakPairedPct,
              cpuGops, cpuPeakGops: peakRates.cpuGops, cpuPeakPct: cpuRatioPct(t, cpuGops, peakRates.cpuGops),
            });
          }
        }
      }
      setFamily(prevFamily);
      for (const c of [copies.t3, copies.t2]) for (const w of c?.weights.flat() ?? []) w.dispose();
    }
    if (opts.head !== false) {
      for (const [tname, ttype] of [["q6_K", K.GGMLType.Q6_K], ["q8_0", K.GGMLType.Q8_0], ["f16", K.GGMLType.F16]]) {
        // Q6_K and Q8_0 heads, and F16 (the official BitNet b1.58 2B4T file's tied embedding, which
        // the runtime requantizes to Q6_K unless told to keep it as stored);
        // quantize a block of rows once and repeat it: rows are independent in these formats
        const rowsBlock = 1024, { K: k, N } = HEAD;
        let block;
        try {
          block = K.quantize(ttype, seededTernary(k * rowsBlock, 3).map((v, e) => v * 0.02 + (e % 13) * 1e-3), rowsBlock, k);
        } catch (err) {
          result.head.push({ type: tname, error: String(err.message ?? err) });
          continue;
        }
        const bytes = new Uint8Array((block.length / rowsBlock) * N);
        for (let off = 0; off < bytes.length; off += block.length) bytes.set(block.subarray(0, Math.min(block.length, bytes.length - off)), off);
        const x = K.Tensor.fromFloat32([k, 1], seededTernary(k, 4));
        const y = K.Tensor.empty(K.GGMLType.F32, [N, 1]);
        for (const isa of isas) {
          K.setIsa(isa);
          // prepared under this ISA, as a model loaded with RYZEN_ISA=isa is: the layout follows
          // the ISA at prepare time
          const w = K.Tensor.from(ttype, [k, N], bytes).prepare();
          for (const t of threads) {
            K.setThreads(t);
            const plan = matmulPlan([[w]], x, [y]);
            const [probe, { best: s, cpu }] = pairedWithProbe(readProbe(probeBytes), () => plan.run(), reps);
            const bw = probe.gbs;
            plan.dispose();
            const gbs = bytes.length / s / 1e9, cpuGbs = (bytes.length * t) / cpu / 1e9;
            result.head.push({
              type: tname, K: k, N, isa, threads: t, us: s * 1e6, gbs, readGbs: bw, bwPct: (100 * gbs) / bw,
              cpuBwPct: cpuRatioPct(t, cpuGbs, probe.cpuGbs),
            });
          }
          w.dispose();
        }
      }
    }
  } finally {
    probeBuf?.dispose();
    probeBuf = null;
    K.setIsa(prevIsa);
    K.setThreads(prevThreads);
    setFamily(prevFamily);
  }
  return result;
}

const pad = (s, n) => String(s).padEnd(n);
const num = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : "-");
const pct = (v, digits = 0) => (Number.isFinite(v) ? `${v.toFixed(digits)}%` : "-");
const lpad = (s, n) => String(s).padStart(n);

export function formatKernelBench(r) {
  const lines = [];
  lines.push(`machine: ${r.machine.cpu} | best ISA ${r.machine.isaBest} | weight prefetch to ${r.machine.prefetch ?? "?"} | AMX tiles ${r.machine.amx ? "in use" : "no"} | loadavg ${r.machine.loadavg} | ${r.machine.date}`);
  for (const [isa, b] of Object.entries(r.bandwidth)) {
    const p = r.peak[isa];
    lines.push(`${isa}: read bandwidth ${Object.entries(b).map(([t, v]) => `${t}T ${v.gbs.toFixed(1)} GB/s`).join(", ")}; int8 peak ${Object.entries(p).map(([t, v]) => `${t}T ${num(v.gops, 0)} GOPS`).join(", ")}`);
  }
  lines.push("", "ternary GEMV (1 token; weights streamed from DRAM)");
  lines.push(`${pad("shape", 12)} ${pad("K x N", 12)} ${pad("isa", 7)} ${pad("family", 6)} ${lpad("thr", 3)} ${lpad("us", 9)} ${lpad("GB/s", 7)} ${lpad("read GB/s", 10)} ${lpad("% read bw", 10)} ${lpad("paired", 6)} ${lpad("cpu %", 6)} ${lpad("op-size read", 13)}`);
  for (const g of r.gemv)
    lines.push(`${pad(g.shape, 12)} ${pad(`${g.K}x${g.N}`, 12)} ${pad(g.isa, 7)} ${pad(g.family, 6)} ${lpad(g.threads, 3)} ${lpad(g.us.toFixed(1), 9)} ${lpad(g.gbs.toFixed(2), 7)} ${lpad(g.readGbs.toFixed(2), 10)} ${lpad(g.bwPct.toFixed(0) + "%", 10)} ${lpad(pct(g.bwPairedPct), 6)} ${lpad(pct(g.cpuBwPct), 6)} ${lpad(`${num(g.pieceReadGbs, 1)} (${pct(g.pieceBwPct)})`, 13)}`);
  lines.push("", "ternary GEMM (128 tokens)");
  lines.push(`${pad("shape", 12)} ${pad("K x N", 12)} ${pad("isa", 7)} ${pad("family", 6)} ${lpad("thr", 3)} ${lpad("ms", 9)} ${lpad("GOPS", 7)} ${lpad("peak GOPS", 10)} ${lpad("% peak", 10)} ${lpad("paired", 6)} ${lpad("cpu %", 6)}`);
  for (const g of r.gemm)
    lines.push(`${pad(g.shape, 12)} ${pad(`${g.K}x${g.N}`, 12)} ${pad(g.isa, 7)} ${pad(g.family, 6)} ${lpad(g.threads, 3)} ${lpad(g.ms.toFixed(2), 9)} ${lpad(g.gops.toFixed(0), 7)} ${lpad(num(g.peakGops, 0), 10)} ${lpad(pct(g.peakPct), 10)} ${lpad(pct(g.peakPairedPct), 6)} ${lpad(pct(g.cpuPeakPct), 6)}`);
  if (r.head.length) {
    lines.push("", "output head GEMV 2560 -> 128256");
    for (const h of r.head)
      lines.push(h.error ? `${pad(h.type, 6)} unavailable: ${h.error}` : `${pad(h.type, 6)} ${pad(h.isa, 7)} ${lpad(h.threads, 3)}T ${lpad(h.us.toFixed(0), 8)} us ${lpad(h.gbs.toFixed(2), 7)} GB/s ${lpad(h.bwPct.toFixed(0) + "%", 5)} of read bw (cpu ${pct(h.cpuBwPct)})`);
  }
  const bars = barChecks(r);
  if (bars.length) {
    const { layout } = bars[0];
    lines.push("", `bars (issue #2; best family per shape on the best ISA measured${layout ? `, among those on the layout it prepares by default, ${layout}` : ""})`);
    // one decimal: 84.6 % must not read as the 85 % it misses
    for (const b of bars) {
      const value = b.unit === "x" ? (Number.isFinite(b.value) ? `${b.value.toFixed(2)}x` : "-") : pct(b.value, 1);
      const verdict = b.pass ? "pass" : b.note || "MISS";
      lines.push(`${pad(b.bar, 44)} ${pad(b.shape, 12)} ${lpad(value, 6)}  ${verdict}${b.context ? ` (${b.context})` : ""}`);
    }
  }
  lines.push("", ...r.notes.map((n) => `note: ${n}`));
  return lines.join("\n");
}

/** The issue's bars: ternary GEMV >= 70 % of read bandwidth at 1 thread and >= 85 % at 2 threads,
 *  GEMM over 128 tokens >= 80 % of the int8 peak at 2 threads, and 2 threads >= 1.9x one thread
 *  on the compute-bound multiply-add GEMM; per shape, the better family among
 *  those the engine runs by default (on the layout it prepares under that ISA, when known: the
 *  other layout's rows are for comparison). */
export function barChecks(r) {
  const isa = ["avx512", "avx2"].find((i) => r.gemv.some((g) => g.isa === i) || r.gemm.some((g) => g.isa === i));
  if (!isa) return [];
  // On a shared host a row's "2 thread" probe sometimes runs at one core's rate (the other vCPU is
  // busy elsewhere): such GEMM rows compare one core with one core and do not count.
  const oneCore = r.peak?.[isa]?.[1]?.gops;
  const twoCores = (x) => x.threads !== 2 || !Number.isFinite(oneCore) || !(x.peakGops < 1.5 * oneCore);
  // the row with the highest `field` (the better family) among those that count, or undefined
  const layout = r.layout?.[isa];
  const bestRow = (rows, shape, threads, field) =>
    rows.filter((x) => x.isa === isa && x.shape === shape && x.threads === threads && twoCores(x))
      .filter((x) => !layout || layoutOf(x.family) === layout)
      .reduce((b, x) => (b === undefined || x[field] > b[field] ? x : b), undefined);
  // The host also has seconds when one VM gets far more memory bandwidth than usual: a GEMV row
  // whose probe caught such a window (its best > 1.3x the run's own read probe) is flagged, not
  // re-scored, so a miss against it says why.
  const windowNote = (row, threads) => {
    const run = r.bandwidth?.[isa]?.[threads]?.gbs;
    if (!Number.isFinite(run) || !(row.readGbs > 1.3 * run)) return "";
    return `MISS: this row's read probe hit ${row.readGbs.toFixed(1)} GB/s, ${(row.readGbs / run).toFixed(1)}x the run's ${run.toFixed(1)} (a high-bandwidth window of the host)`;
  };
  const out = [];
  const shapes = [...new Set([...r.gemv, ...r.gemm].map((x) => x.shape))];
  for (const [kind, threads, field, goal] of [["gemv", 1, "bwPct", 70], ["gemv", 2, "bwPct", 85], ["gemm", 2, "peakPct", 80]]) {
    for (const shape of shapes) {
      if (!r[kind].some((x) => x.isa === isa && x.shape === shape && x.threads === threads)) continue;
      const row = bestRow(r[kind], shape, threads, field);
      const value = row ? row[field] : -Infinity;
      const what = kind === "gemv" ? `GEMV ${threads}T >= ${goal}% of read bw` : `GEMM n=128 ${threads}T >= ${goal}% of int8 peak`;
      const note = !row ? "no 2-core sample" : kind === "gemv" ? windowNote(row, threads) : "";
      out.push({ bar: `${what} (${isa})`, isa, layout, shape, value, goal, pass: value >= goal, note });
    }
  }
  // The thread pool's goal: 2 threads >= 1.9x one thread on a compute-bound GEMM, the ISA's
  // vector multiply-add kernel (mad, on either layout), from 1- and 2-thread runs paired round by
  // round (pairedScaling: the best rounds of the separate rows swung 1.80-2.07x between runs on a
  // shared VM); beside it the int8 probe's own scaling in the same run, the most any kernel can get.
  const probe = r.peak?.[isa]?.[2]?.gops / oneCore;
  for (const shape of shapes) {
    const mad = (threads) => r.gemm.find((x) => x.isa === isa && x.shape === shape && x.family === "mad" && x.threads === threads);
    const [one, two] = [mad(1), mad(2)];
    if (!one || !two) continue;
    const paired = r.scaling?.find((x) => x.isa === isa && x.shape === shape && x.family === "mad");
    const value = !twoCores(two) ? -Infinity : paired ? paired.ratio : two.gops / one.gops;  // (older reports: best rounds)
    const context = Number.isFinite(probe) ? `int8 probe ${probe.toFixed(2)}x` : "";
    out.push({ bar: `GEMM n=128 2T/1T >= 1.9x (${isa} mad)`, isa, layout, shape, value, goal: 1.9, unit: "x", pass: value >= 1.9,
      note: twoCores(two) ? "" : "no 2-core sample", context });
  }
  return out;
}

export const USAGE = `usage: node bench/kernels-bench.mjs [options]   (or: pnpm --filter @ryzen/kernels bench -- [options])
  --json               print the result object as JSON instead of the report
  --quick              64 MB of weights and 3 rounds (a smoke run, not for figures)
  --mb N               MB of distinct weights to stream per shape (default 256)
  --reps N             rounds per row (default 5; GEMM rows run 3x as many)
  --isa a,b            ISA paths to measure: scalar, avx2, avx512 (default: every vector path the CPU has)
  --threads a,b        thread counts (default 1,2)
  --shapes a,b         only shapes whose name contains one of these (q/o, k/v, gate/up, down, q+k+v, gate+up)
  --family a,b         kernel families: lut, mad, amx, t2 (default all)
  --only gemv|gemm     only one kind of row
  --no-head            skip the output-head GEMV rows
  --no-fused           skip the fused q+k+v and gate+up shapes
  --help               this text`;


// Command-line options -> runKernelBench options; a bad value throws an Error naming the option.
export function parseArgs(argv) {
  const o = { json: false };
  const list = (a, v, allowed) => {
    const items = String(v ?? "").split(",").filter(Boolean);
    const bad = items.filter((x) => !allowed.includes(x));
    if (items.length === 0 || bad.length) throw new Error(`${a}: expected a comma-separated list of ${allowed.join(", ")}, got '${v ?? ""}'`);
    return items;
  };
  const positive = (a, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${a}: expected a positive integer, got '${v ?? ""}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = () => argv[++i];
    if (a === "--") continue; // pnpm passes the separator through
    if (a === "--help" || a === "-h") o.help = true;
    else if (a === "--json") o.json = true;
    else if (a === "--quick") { o.quick = true; o.mb = 64; o.reps = 3; }
    else if (a === "--mb") o.mb = positive(a, v());
    else if (a === "--reps") o.reps = positive(a, v());
    else if (a === "--isa") o.isas = list(a, v(), ISAS);
    else if (a === "--threads") o.threads = String(v() ?? "").split(",").map((t) => positive(a, t));
    else if (a === "--no-head") o.head = false;
    else if (a === "--no-fused") o.fused = false;
    else if (a === "--shapes") {
      o.shapes = String(v() ?? "").split(",").filter(Boolean);
      const names = [...SHAPES, ...FUSED_SHAPES].map((s) => s.name);
      const unknown = o.shapes.filter((w) => !names.some((n) => n.includes(w)));
      if (o.shapes.length === 0 || unknown.length) throw new Error(`--shapes: no shape matches '${unknown.join(",")}' (shapes: ${names.join(", ")})`);
    }
    else if (a === "--family") o.families = list(a, v(), FAMILIES);
    else if (a === "--only") {
      o.only = v();
      if (o.only !== "gemv" && o.only !== "gemm") throw new Error(`--only: expected gemv or gemm, got '${o.only ?? ""}'`);
    }
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (o.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const r = runKernelBench(o);
  console.log(o.json ? JSON.stringify(r, null, 2) : formatKernelBench(r));
}
