#!/usr/bin/env node
import { parseArgs } from "node:util";
import { runBench, type BenchIsa } from "./run.js";
import type { EngineName } from "./engines/types.js";
import type { WeightType } from "./models/shapes.js";
import { BenchError } from "./errors.js";

const HELP = `ryzen-bench — Ryzen vs llama.cpp / bitnet.cpp / ik_llama.cpp / node-llama-cpp on generated real-shaped models

  ryzen-bench [--quick] [options]

  --quick               tiny model, short lengths, 1 repetition (for tests and smoke runs)
  --models a,b          model shapes: bitnet-2b4t, bitnet-large, tiny (default bitnet-2b4t; quick: tiny)
  --types a,b           Ryzen weight formats: tq2_0, tq1_0, i2_s, q4_0, q4_k, q8_0
  --threads 1,2         thread counts (default 1..physical cores)
  --reps N              rounds: each engine·file runs once per round, the order rotating between rounds
                        (median and min–max over rounds; goals = median of per-round ratios)
  --back-to-back        the old order: each engine·file N times in a row, one engine after another
  --pp 128,512          prompt lengths      --tg 64,128   generation lengths
  --engines a,b         ryzen, node-llama-cpp, llama.cpp, bitnet.cpp, ik_llama.cpp
  --out DIR             output directory (default ./bench-results or RYZEN_BENCH_OUT)
  --cache DIR           model cache (default ~/.cache/ryzen/bench or RYZEN_BENCH_CACHE)
  --job-timeout MIN     time limit per engine and file (default 60; a job over it is a "failed: timed out" row)
  --native-peers        each peer only on its own format (skip the cross-format attempts)
  --isa avx2|avx512     compare on that instruction set: Ryzen with RYZEN_ISA, peers from
                        <peers dir>/<peer>/build-<isa>/bin/llama-bench, no node-llama-cpp
  --kernels-quick       kernel microbenchmarks with their short settings
  --no-kernels          skip kernel microbenchmarks      --no-tokenizer  skip the tokenizer bench

Peers: RYZEN_PEER_LLAMA_BENCH, RYZEN_PEER_BITNET_BENCH, RYZEN_PEER_IK_BENCH = paths of their llama-bench.`;

function ints(v: string | undefined, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  const list = v.split(",").map((x) => Number(x.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new BenchError("BAD_OPTION", `--${name} takes positive integers separated by commas, got "${v}"`);
  return list;
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(",").map((x) => x.trim()).filter(Boolean));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" },
      models: { type: "string" },
      types: { type: "string" },
      threads: { type: "string" },
      reps: { type: "string" },
      pp: { type: "string" },
      tg: { type: "string" },
      engines: { type: "string" },
      out: { type: "string" },
      cache: { type: "string" },
      "no-kernels": { type: "boolean" },
      "kernels-quick": { type: "boolean" },
      "native-peers": { type: "boolean" },
      "job-timeout": { type: "string" },
      "no-tokenizer": { type: "boolean" },
      "back-to-back": { type: "boolean" },
      isa: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const out = await runBench({
    quick: values.quick,
    models: list(values.models),
    types: list(values.types) as WeightType[] | undefined,
    threads: ints(values.threads, "threads"),
    repetitions: ints(values.reps, "reps")?.[0],
    order: values["back-to-back"] ? "back-to-back" : "interleaved",
    promptTokens: ints(values.pp, "pp"),
    genTokens: ints(values.tg, "tg"),
    engines: list(values.engines) as EngineName[] | undefined,
    outDir: values.out,
    cacheDir: values.cache,
    kernels: values["no-kernels"] ? false : values["kernels-quick"] ? "quick" : undefined,
    tokenizer: values["no-tokenizer"] ? false : undefined,
    peerFormats: values["native-peers"] ? "native" : "all",
    jobTimeoutMinutes: ints(values["job-timeout"], "job-timeout")?.[0],
    isa: values.isa as BenchIsa | undefined,
  });
  console.log(out.terminal);
  console.log(`\nJSON: ${out.jsonPath}\nHTML: ${out.htmlPath}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error & { code?: string }) => {
    console.error(`ryzen-bench: ${err.code ? `${err.code}: ` : ""}${err.message}`);
    process.exit(err instanceof BenchError ? 2 : 1);
  },
);
