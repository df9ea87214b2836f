import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseLlamaBenchJson, PEER_TOOLS, recordsToRows, runLlamaBench } from "../src/peers/llama-bench.js";

const SAMPLE = `some log line
[
  { "n_prompt": 128, "n_gen": 0, "n_threads": 2, "avg_ts": 100.5, "stddev_ts": 2.1, "samples_ts": [98.0, 101.0, 103.0] },
  { "n_prompt": 32, "n_gen": 0, "n_threads": 2, "avg_ts": 160, "stddev_ts": 0 },
  { "n_prompt": 0, "n_gen": 64, "n_threads": 2, "avg_ts": 34.6, "stddev_ts": 0.5, "samples_ts": [34.1, 34.6, 35.0] }
]`;

describe("llama-bench output", () => {
  it("parses JSON records and turns them into rows with median and range", () => {
    const recs = parseLlamaBenchJson(SAMPLE);
    expect(recs).toHaveLength(3);
    const rows = recordsToRows(recs, { engine: "ik_llama.cpp", model: "tiny", format: "iq2_bn" }, 32, 500);
    const pp = rows.find((r) => r.test === "pp128")!;
    expect(pp.tokensPerS).toMatchObject({ median: 101, min: 98, max: 103 });
    const tg = rows.find((r) => r.test === "tg64")!;
    expect(tg.tokensPerS?.median).toBe(34.6);
    const ttft = rows.find((r) => r.test === "ttft")!;
    expect(ttft.ms?.median).toBeCloseTo(200, 6); // 32 tokens at 160 tok/s
    expect(rows.every((r) => r.peakRssMb === 500 && r.threads === 2)).toBe(true);
  });

  it("keeps a requested pp row that doubles as the TTFT prompt", () => {
    const rows = recordsToRows(parseLlamaBenchJson(SAMPLE), { engine: "llama.cpp", model: "tiny", format: "tq2_0" }, 32, undefined, [32, 128]);
    expect(rows.map((r) => r.test).sort()).toEqual(["pp128", "pp32", "tg64", "ttft"]);
  });

  it("salvages the finished records of a run cut short", () => {
    const cut = SAMPLE.slice(0, SAMPLE.indexOf('{ "n_prompt": 0')) + '{ "n_prompt": 0, "n_gen": 64, "n_thr';
    const recs = parseLlamaBenchJson(cut);
    expect(recs.map((r) => r.n_prompt)).toEqual([128, 32]);
  });

  it("rejects output without a JSON array or without numbers", () => {
    expect(() => parseLlamaBenchJson("error: failed to load model")).toThrow(/no JSON array/);
    expect(() => parseLlamaBenchJson('[{"n_prompt": "x"}]')).toThrow(/n_prompt/);
  });

  it.skipIf(process.platform !== "linux")("times each streamed record's CPU use (a fake llama-bench that prints one record, works, prints the next)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-peer-"));
    const fake = join(dir, "llama-bench");
    const rec = (p: number, g: number) => `{ "n_prompt": ${p}, "n_gen": ${g}, "n_threads": 1, "avg_ts": 10, "stddev_ts": 0, "samples_ts": [10] }`;
    // records 1.1 s apart (intervals under 1 s get no figure); like llama-bench, it lives on briefly
    // after its last record (llama-bench frees the model, then prints "]")
    writeFileSync(fake, `#!/bin/sh\necho '['\necho '${rec(32, 0)},'\nsleep 1.1\necho '${rec(0, 8)}'\nsleep 0.2\necho ']'\n`);
    chmodSync(fake, 0o755);
    const tool = PEER_TOOLS.find((t) => t.engine === "llama.cpp")!;
    const rows = await runLlamaBench(tool, { bin: fake, file: "/x.gguf", promptTokens: [32], genTokens: [8], threads: [1], repetitions: 1 }, { model: "tiny", format: "tq2_0" }, 0);
    expect(rows.map((r) => r.test)).toEqual(["pp32", "tg8"]);
    expect(rows[0].cpuPerWall).toBeUndefined(); // the first interval holds the model load
    const cpu = rows[1].cpuPerWall?.median;
    expect(cpu !== undefined && Number.isFinite(cpu) && cpu >= 0 && cpu < 1).toBe(true); // the shell mostly waited
  });

  it("reports a peer that cannot load the file as cannot-load rows with its reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-peer-"));
    const fake = join(dir, "llama-bench");
    writeFileSync(fake, "#!/bin/sh\necho 'llama_model_load: error loading model: unknown type i2_s' >&2\necho 'main: error: failed to load model' >&2\nexit 1\n");
    chmodSync(fake, 0o755);
    const tool = PEER_TOOLS.find((t) => t.engine === "llama.cpp")!;
    const rows = await runLlamaBench(tool, { bin: fake, file: "/nonexistent.gguf", promptTokens: [128], genTokens: [64], threads: [1, 2], repetitions: 1 }, { model: "tiny", format: "i2_s" }, 32);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === "cannot-load")).toBe(true);
    expect(rows[0].reason).toMatch(/unknown type i2_s/);
  });
});

import { peerBinary } from "../src/peers/llama-bench.js";

describe("peer discovery", () => {
  const tool = PEER_TOOLS.find((t) => t.engine === "ik_llama.cpp")!;
  it("prefers the environment variable, else <RYZEN_PEERS_DIR>/<dir>/build/bin/llama-bench if present", () => {
    expect(peerBinary(tool, { RYZEN_PEER_IK_BENCH: "/x/llama-bench" })).toEqual({ path: "/x/llama-bench", source: "RYZEN_PEER_IK_BENCH" });
    const dir = mkdtempSync(join(tmpdir(), "rb-peers-"));
    expect(peerBinary(tool, { RYZEN_PEERS_DIR: dir }).path).toBeUndefined();
    mkdirSync(join(dir, "ik_llama.cpp", "build", "bin"), { recursive: true });
    writeFileSync(join(dir, "ik_llama.cpp", "build", "bin", "llama-bench"), "");
    expect(peerBinary(tool, { RYZEN_PEERS_DIR: dir }).path).toBe(join(dir, "ik_llama.cpp", "build", "bin", "llama-bench"));
  });

  it("with an isa, looks in build-<isa>/ instead (the environment variable still wins)", () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-peers-"));
    mkdirSync(join(dir, "ik_llama.cpp", "build", "bin"), { recursive: true });
    writeFileSync(join(dir, "ik_llama.cpp", "build", "bin", "llama-bench"), "");
    expect(peerBinary(tool, { RYZEN_PEERS_DIR: dir }, "avx2").path).toBeUndefined();
    mkdirSync(join(dir, "ik_llama.cpp", "build-avx2", "bin"), { recursive: true });
    writeFileSync(join(dir, "ik_llama.cpp", "build-avx2", "bin", "llama-bench"), "");
    expect(peerBinary(tool, { RYZEN_PEERS_DIR: dir }, "avx2").path).toBe(join(dir, "ik_llama.cpp", "build-avx2", "bin", "llama-bench"));
    expect(peerBinary(tool, { RYZEN_PEERS_DIR: dir, RYZEN_PEER_IK_BENCH: "/x/llama-bench" }, "avx2").path).toBe("/x/llama-bench");
  });
});
