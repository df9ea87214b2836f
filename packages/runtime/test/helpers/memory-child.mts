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
// Resident bytes of the model file's mapping (/proc/self/smaps): repacked weights must stay out.
const mappedRss = (() => {
  let inFile = false, rss = 0;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(path);
    else if (inFile && line.startsWith("Rss:")) rss += Number(/(\d+)/.exec(line)![1]) * 1024;
  }
  return rss;
})();
const { weightBytes } = m.info, kvBytes = m.kvBytesAllocated;
m.dispose();
const afterDispose = process.memoryUsage().rss;
console.log(JSON.stringify({ before, peak: hwm(), peakReset, generated: r.tokens.length, mappedRss, weightBytes, kvBytes, afterDispose }));
