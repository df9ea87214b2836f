// Child process of memory.test.ts: loads a model, generates tokens, prints peak RSS growth as JSON.
// A separate process so the figure holds only this model's memory (not the test runner's or the
// model writer's garbage).
import { readFileSync, writeFileSync } from "node:fs";
import { loadModel } from "../../src/index.js";

const [path, tokens, threads] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 1)];
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
const before = process.memoryUsage().rss;
let peakReset = true;
try {
  writeFileSync("/proc/self/clear_refs", "5"); // VmHWM := current RSS
} catch {
  peakReset = false;
}
const m = await loadModel(path, { threads, maxSequences: 1, contextLength: tokens + 16, batchSize: 64 });
const r = await m.generate([1], { maxTokens: tokens, temperature: 0, logitBias: { 2: -Infinity } }).result;
console.log(JSON.stringify({
  before, peak: hwm(), peakReset, generated: r.tokens.length,
  weightBytes: m.info.weightBytes, kvBytes: m.kvBytesAllocated,
}));
m.dispose();
