import { describe, expect, it } from "vitest";
import type { BenchRow } from "../src/engines/types.js";
import { mergeRounds, roundOrder, runRounds, roundNotes, type BenchJob } from "../src/rounds.js";
import { spread } from "../src/stats.js";
import { row, sampleRounds } from "./helpers/fixtures.js";

describe("round order", () => {
  it("rotates by ⌈n/rounds⌉ so each job runs early, mid and late across the rounds", () => {
    const jobs = ["a", "b", "c", "d", "e", "f"];
    expect(roundOrder(jobs, 0, 3)).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(roundOrder(jobs, 1, 3)).toEqual(["c", "d", "e", "f", "a", "b"]);
    expect(roundOrder(jobs, 2, 3)).toEqual(["e", "f", "a", "b", "c", "d"]);
    // positions of "a" over the rounds: first, fifth, third
    expect([0, 1, 2].map((r) => roundOrder(jobs, r, 3).indexOf("a"))).toEqual([0, 4, 2]);
  });

  it("alternates two jobs and wraps when there are more rounds than jobs", () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(["ryzen", "peer"], r, 4).join(","))).toEqual(["ryzen,peer", "peer,ryzen", "ryzen,peer", "peer,ryzen"]);
    expect(roundOrder([], 1, 3)).toEqual([]);
    expect(roundOrder(["x"], 5, 3)).toEqual(["x"]);
  });

  it("is always a permutation of the jobs", () => {
    for (let n = 1; n <= 7; n++) {
      const jobs = Array.from({ length: n }, (_, i) => i);
      for (let rounds = 1; rounds <= 5; rounds++) {
        for (let r = 0; r < rounds; r++) expect([...roundOrder(jobs, r, rounds)].sort((x, y) => x - y)).toEqual(jobs);
      }
    }
  });
});

describe("merging rounds", () => {
  const withCpu = (r: BenchRow, cpu: number): BenchRow => ({ ...r, cpuPerWall: spread([cpu]) });

  it("pools each row's samples over the rounds and keeps each round's value for pairing", () => {
    const merged = mergeRounds([
      [withCpu(row("ryzen", "i2_s", "tg128", 1, [30]), 1.0), row("llama.cpp", "tq2_0", "tg128", 1, [20])],
      [withCpu(row("ryzen", "i2_s", "tg128", 1, [39]), 1.02), row("llama.cpp", "tq2_0", "tg128", 1, [26])],
      [withCpu(row("ryzen", "i2_s", "tg128", 1, [31]), 0.98), row("llama.cpp", "tq2_0", "tg128", 1, [25])],
    ]);
    expect(merged).toHaveLength(2);
    const ry = merged.find((r) => r.engine === "ryzen")!;
    expect(ry.tokensPerS).toMatchObject({ median: 31, min: 30, max: 39, samples: [30, 39, 31] });
    expect(ry.rounds).toEqual([30, 39, 31]);
    expect(ry.cpuPerWall).toMatchObject({ median: 1.0, min: 0.98, max: 1.02 });
    expect(merged.find((r) => r.engine === "llama.cpp")!.rounds).toEqual([20, 26, 25]);
  });

  it("uses each round's median when a round has several repetitions (back-to-back) and a peer's mean when it gives no samples", () => {
    const noSamples: BenchRow = { ...row("bitnet.cpp", "i2_s", "pp128", 2, [1]), tokensPerS: { median: 50, min: 48, max: 52, samples: [] } };
    const merged = mergeRounds([[row("ryzen", "tq2_0", "pp128", 2, [100, 120, 110]), noSamples]]);
    expect(merged.find((r) => r.engine === "ryzen")).toMatchObject({ rounds: [110], tokensPerS: { median: 110, samples: [100, 120, 110] } });
    expect(merged.find((r) => r.engine === "bitnet.cpp")).toMatchObject({ rounds: [50], tokensPerS: { median: 50, samples: [50] } });
  });

  it("keeps a row measured in some rounds (saying which failed) and a refusal measured in none", () => {
    const failed: BenchRow = { engine: "ik_llama.cpp", model: "bitnet-2b4t", format: "iq2_bn", test: "tg128", threads: 2, status: "failed", reason: "timed out" };
    const refused: BenchRow = { engine: "llama.cpp", model: "bitnet-2b4t", format: "i2_s", test: "tg128", threads: 2, status: "cannot-load", reason: "unknown type i2_s" };
    const merged = mergeRounds([[row("ik_llama.cpp", "iq2_bn", "tg128", 2, [34]), refused], [failed], [row("ik_llama.cpp", "iq2_bn", "tg128", 2, [36])]]);
    const ik = merged.find((r) => r.engine === "ik_llama.cpp")!;
    expect(ik).toMatchObject({ status: "ok", rounds: [34, null, 36], tokensPerS: { median: 35 } });
    expect(ik.reason).toContain("round 2: failed (timed out)");
    expect(merged.find((r) => r.engine === "llama.cpp")).toMatchObject({ status: "cannot-load", reason: "unknown type i2_s", rounds: [null, null, null] });
  });

  it("keeps peak RSS at its largest and the TTFT samples in ms", () => {
    const a = { ...row("ryzen", "tq2_0", "ttft", 1, [280]), peakRssMb: 900 };
    const b = { ...row("ryzen", "tq2_0", "ttft", 1, [300]), peakRssMb: 950 };
    const [m] = mergeRounds([[a], [b]]);
    expect(m).toMatchObject({ peakRssMb: 950, ms: { median: 290 }, rounds: [280, 300] });
  });
});

describe("running rounds", () => {
  /** A fake job: records when it ran, answers with a fixed value per round (or a failure). */
  function fakeJob(id: string, values: (number | "fail")[], log: string[]): BenchJob & { reps: number[] } {
    let round = 0;
    const reps: number[] = [];
    return {
      id,
      model: "bitnet-2b4t",
      reps,
      run: async (repetitions) => {
        reps.push(repetitions);
        log.push(id);
        const v = values[round++];
        const [engine, format] = id.split(" ") as [BenchRow["engine"], string];
        if (v === "fail") return [{ engine, model: "bitnet-2b4t", format, test: "tg128", threads: 1, status: "cannot-load", reason: "nope" }];
        return [row(engine, format, "tg128", 1, Array.from({ length: repetitions }, () => v))];
      },
    };
  }

  it("runs every job once per round in rotated order, probing bandwidth before each round and each job", async () => {
    const ran: string[] = [];
    const probes: number[][] = [];
    const jobs = [fakeJob("ryzen i2_s", [30, 39, 31], ran), fakeJob("llama.cpp tq2_0", [20, 26, 25], ran), fakeJob("bitnet.cpp i2_s", ["fail"], ran)];
    const { rows, rounds } = await runRounds(jobs, {
      rounds: 3,
      repetitionsPerRound: 1,
      threads: [1, 2],
      probe: async (threads) => {
        probes.push(threads);
        return threads.map((t) => ({ gbPerS: 20 + probes.length, threads: t, source: "fake" }));
      },
    });
    // the refusing job is not retried after round 1
    expect(ran).toEqual(["ryzen i2_s", "llama.cpp tq2_0", "bitnet.cpp i2_s", "llama.cpp tq2_0", "ryzen i2_s", "ryzen i2_s", "llama.cpp tq2_0"]);
    expect(rounds.map((r) => r.jobs.map((j) => `${j.id}:${j.outcome}`))).toEqual([
      ["ryzen i2_s:ok", "llama.cpp tq2_0:ok", "bitnet.cpp i2_s:failed"],
      ["llama.cpp tq2_0:ok", "bitnet.cpp i2_s:skipped", "ryzen i2_s:ok"],
      ["bitnet.cpp i2_s:skipped", "ryzen i2_s:ok", "llama.cpp tq2_0:ok"],
    ]);
    expect(jobs[0].reps).toEqual([1, 1, 1]);
    // per round: one probe at all thread counts, then one at 1 thread before each job that ran
    expect(probes).toEqual([[1, 2], [1], [1], [1], [1, 2], [1], [1], [1, 2], [1], [1]]);
    expect(rounds[0].bandwidth.map((b) => b.threads)).toEqual([1, 2]);
    expect(rounds[0].jobs[0].bandwidth1t).toBe(22);
    const ry = rows.find((r) => r.engine === "ryzen")!;
    expect(ry.rounds).toEqual([30, 39, 31]);
    expect(rows.find((r) => r.engine === "llama.cpp")!.rounds).toEqual([20, 26, 25]);
    expect(rows.find((r) => r.engine === "bitnet.cpp")).toMatchObject({ status: "cannot-load", rounds: [null, null, null] });
  });

  it("records a job that throws, drops it from later rounds and keeps the others", async () => {
    const ran: string[] = [];
    const boom: BenchJob = { id: "llama.cpp tq2_0", model: "bitnet-2b4t", run: async () => { throw new Error("spawn EACCES"); } };
    const { rows, rounds } = await runRounds([fakeJob("ryzen i2_s", [30, 31], ran), boom], { rounds: 2, repetitionsPerRound: 1, threads: [1], probe: async () => [] });
    expect(rounds[0].jobs[1]).toMatchObject({ id: "llama.cpp tq2_0", outcome: "failed", error: "spawn EACCES" });
    expect(rounds[1].jobs.map((j) => j.outcome)).toEqual(["skipped", "ok"]);
    expect(rows).toHaveLength(1);
    expect(roundNotes(rounds)).toEqual(["round 1: bitnet-2b4t llama.cpp tq2_0 threw: spawn EACCES"]);
  });

  it("back to back: one round with all repetitions inside each job", async () => {
    const ran: string[] = [];
    const job = fakeJob("ryzen tq2_0", [40], ran);
    const { rows, rounds } = await runRounds([job], { rounds: 1, repetitionsPerRound: 3, threads: [1], probe: async () => [] });
    expect(job.reps).toEqual([3]);
    expect(rounds).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rounds: [40], tokensPerS: { samples: [40, 40, 40] } });
  });
});

describe("machine state within a round", () => {
  it("notes a round whose single-thread bandwidth probes disagree by more than 15 %", () => {
    const rounds = sampleRounds(); // round 1: 23.5 before, 23.4 and 33.9 before its jobs; round 2: 34.1, 34.0, 34.2
    const notes = roundNotes(rounds);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^round 1: single-thread read bandwidth ranged 23\.4–33\.9 GB\/s/);
    expect(roundNotes([{ ...rounds[0], bandwidth: [], jobs: [rounds[0].jobs[0]] }])).toEqual([]); // a single probe says nothing
  });
});
