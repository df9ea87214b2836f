// Executor overhead and thread scaling (not a test: prints numbers).
//   pnpm exec tsx scripts/bench-pool.mts
// 1. Per-node cost of a Plan of tiny get_rows nodes (one phase, one barrier each) at 1 and 2
//    threads: the difference is the barrier cost the runtime pays ~300x per token.
// 2. Speed-up of 2 threads over 1 on a compute-bound GEMM.
import { GGMLType, Plan, Tensor, getThreads, matmulKernels, nodes, quantize, setThreads } from "../src/index";

function timeRuns(run: () => void, minMs = 300): number {
  for (let k = 0; k < 20; k++) run();
  let runs = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < minMs) {
    run();
    runs++;
    t1 = performance.now();
  }
  return (t1 - t0) / runs;
}

function best(n: number, f: () => number): number {
  let b = Infinity;
  for (let k = 0; k < n; k++) b = Math.min(b, f());
  return b;
}

const prev = getThreads();
const NODES = 300;
const K = 16;
const table = Tensor.fromFloat32([K, 4], new Float32Array(K * 4).fill(1));
const ids = Tensor.from(GGMLType.I32, [1], new Int32Array([2]));
const outs = Array.from({ length: NODES }, () => Tensor.empty(GGMLType.F32, [K, 1]));
const plan = new Plan(outs.map((o) => nodes.getRows(o, table, ids)));
// Per-run times over many runs: the minimum is the cost when no thread was preempted (the
// machine may be shared), the median what a typical run paid.
function perRun(run: () => void, runs = 3000): { min: number; median: number } {
  for (let k = 0; k < 100; k++) run();
  const t: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    run();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { min: t[0], median: t[t.length >> 1] };
}
const perNode: Record<number, { min: number; median: number }> = {};
for (const threads of [1, 2]) {
  setThreads(threads);
  const r = perRun(() => plan.run());
  perNode[threads] = { min: (r.min * 1e6) / NODES, median: (r.median * 1e6) / NODES };
  console.log(
    `plan of ${NODES} tiny nodes, ${threads} thread(s): ${perNode[threads].min.toFixed(0)} ns/node best, ` +
      `${perNode[threads].median.toFixed(0)} ns/node median`,
  );
}
console.log(`executor cost at 2 threads ~ ${(perNode[2].min - perNode[1].min).toFixed(0)} ns/node over 1 thread (best case)`);

// 300 nodes that both threads share (f32 GEMV, 512 x 64, a few microseconds each): the cost of
// a phase barrier both threads really meet is t2 - t1 / 2 per node.
{
  const Km = 512, Nm = 64;
  const Wm = Tensor.fromFloat32([Km, Nm], Float32Array.from({ length: Km * Nm }, (_, k) => Math.sin(k)));
  const xm = Tensor.fromFloat32([Km, 1], Float32Array.from({ length: Km }, (_, k) => Math.cos(k)));
  const ym = Array.from({ length: NODES }, () => Tensor.empty(GGMLType.F32, [Nm, 1]));
  const mid = new Plan(ym.map((yy) => nodes.matmul(yy, Wm, xm)));
  const t: Record<number, number> = {};
  for (const threads of [1, 2]) {
    setThreads(threads);
    t[threads] = (perRun(() => mid.run(), 1000).min * 1e6) / NODES;
    console.log(`plan of ${NODES} f32 GEMV ${Nm}x${Km} nodes, ${threads} thread(s): ${t[threads].toFixed(0)} ns/node best`);
  }
  console.log(`phase barrier cost at 2 threads ~ ${(t[2] - t[1] / 2).toFixed(0)} ns/node (best case)`);
}

const type = matmulKernels(GGMLType.Q8_0).length ? GGMLType.Q8_0 : GGMLType.F32;
const [Km, N, n] = [2048, 1024, 64];
const wf = Float32Array.from({ length: Km * N }, (_, k) => Math.sin(k));
const W = type === GGMLType.F32 ? Tensor.fromFloat32([Km, N], wf) : Tensor.from(type, [Km, N], quantize(type, wf, N, Km));
const x = Tensor.fromFloat32([Km, n], Float32Array.from({ length: Km * n }, (_, k) => Math.cos(k)));
const y = Tensor.empty(GGMLType.F32, [N, n]);
const gemm = new Plan([nodes.matmul(y, W, x)]);
const times: number[] = [];
for (const threads of [1, 2]) {
  setThreads(threads);
  times.push(perRun(() => gemm.run(), 150).min);
  const gops = (2 * Km * N * n) / (times.at(-1)! * 1e6);
  console.log(`GEMM ${type === GGMLType.F32 ? "f32" : "q8_0"} ${N}x${Km} x ${n} tokens, ${threads} thread(s): ${times.at(-1)!.toFixed(2)} ms (${gops.toFixed(1)} GOPS)`);
}
console.log(`2-thread speed-up: ${(times[0] / times[1]).toFixed(2)}x`);
setThreads(prev);
