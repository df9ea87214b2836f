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
for (const threads of [1, 2]) {
  setThreads(threads);
  const ms = best(5, () => timeRuns(() => plan.run()));
  console.log(`plan of ${NODES} tiny nodes, ${threads} thread(s): ${((ms * 1e6) / NODES).toFixed(0)} ns/node, ${(ms * 1e3).toFixed(1)} us/run`);
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
  times.push(best(5, () => timeRuns(() => gemm.run(), 500)));
  const gops = (2 * Km * N * n) / (times.at(-1)! * 1e6);
  console.log(`GEMM ${type === GGMLType.F32 ? "f32" : "q8_0"} ${N}x${Km} x ${n} tokens, ${threads} thread(s): ${times.at(-1)!.toFixed(2)} ms (${gops.toFixed(1)} GOPS)`);
}
console.log(`2-thread speed-up: ${(times[0] / times[1]).toFixed(2)}x`);
setThreads(prev);
