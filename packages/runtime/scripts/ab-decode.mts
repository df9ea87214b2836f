// In-process A/B of decode speed: alternates an environment variable (read by an experimental
// kernel build) between short decode runs of one loaded model, so both sides sample the same
// machine state. Usage: tsx ab-decode.mts model.gguf VAR [--threads 1] [--rounds 12] [--tg 32]
import { homedir } from "node:os";
import { join } from "node:path";
import { loadModel } from "../src/index.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const model = args[0] ?? join(homedir(), ".cache/ryzen/bench/bitnet-2b4t-i2_s-q6_k-s1-g2.gguf");
const envVar = args[1] ?? "RYZEN_AB";
const threads = Number(flag("threads", "1")), rounds = Number(flag("rounds", "12")), tg = Number(flag("tg", "32"));
const m = await loadModel(model, { threads, contextLength: tg + 64, maxSequences: 1 });
const bos = m.info.tokenizer.bos ?? 1;
const ban: Record<number, number> = {};
for (const id of [m.info.tokenizer.eos, m.info.tokenizer.eot]) if (typeof id === "number") ban[id] = -Infinity;
const run = async () => (await m.generate([bos], { maxTokens: tg, temperature: 0, logitBias: ban }).result).timings.decodeTokensPerS;
await run();
const res: Record<string, number[]> = { off: [], on: [] };
for (let r = 0; r < rounds; r++)
  for (const side of r % 2 ? ["on", "off"] : ["off", "on"]) {
    if (side === "on") process.env[envVar] = "1";
    else delete process.env[envVar];
    res[side]!.push(await run());
  }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ratios = res.on!.map((v, i) => v / res.off![i]!);
console.log(`${envVar}: off median ${med(res.off!).toFixed(1)} tok/s, on median ${med(res.on!).toFixed(1)}, paired on/off median ${med(ratios).toFixed(3)} (${ratios.map((x) => x.toFixed(2)).join(" ")})`);
m.dispose();
