import { describe, expect, it } from "vitest";
import { MIN_WALL_MS_IN_PROCESS, parseProcStatCpuSeconds, processCpuSeconds, withCpuPerWall } from "../src/cpu-time.js";
import { cpuPerWallIntervals } from "../src/peers/llama-bench.js";

describe("CPU time", () => {
  it("reads utime + stime from /proc/<pid>/stat, even when the command name holds spaces and parentheses", () => {
    // fields 14 and 15 (utime 250, stime 50 ticks) after a name "(llama bench) (x)"
    const stat = "4242 (llama bench) (x)) R 1 4242 4242 0 -1 4194304 900 0 0 0 250 50 0 0 20 0 3 0 100 1000000 5000";
    expect(parseProcStatCpuSeconds(stat, 100)).toBe(3);
    expect(parseProcStatCpuSeconds("4242 (x) R 1", 100)).toBeUndefined();
  });

  it.skipIf(process.platform !== "linux")("reads a live process's CPU seconds on Linux (SKIPPED elsewhere)", () => {
    const s = processCpuSeconds(process.pid);
    expect(typeof s).toBe("number");
    expect(s!).toBeGreaterThan(0); // this test runner has used CPU by now
    expect(processCpuSeconds(2 ** 22 + 12345)).toBeUndefined(); // beyond pid_max: no such process
  });

  it("returns what the measured function returns, with a CPU/wall figure once the run is long enough to mean something", async () => {
    const short = await withCpuPerWall(async () => 42);
    expect(short).toEqual({ value: 42, cpuPerWall: undefined });
    const long = await withCpuPerWall(async () => {
      const t0 = performance.now();
      let spins = 0;
      while (performance.now() - t0 < MIN_WALL_MS_IN_PROCESS + 20) spins++;
      return spins;
    });
    expect(long.value).toBeGreaterThan(0);
    expect(Number.isFinite(long.cpuPerWall) && long.cpuPerWall! > 0).toBe(true);
  });

  it("gives each llama-bench record the CPU/wall of the interval since the previous record, none for the first (it holds the model load)", () => {
    const marks = [
      { cpuS: 5, wallMs: 4000 },
      { cpuS: 9, wallMs: 6000 }, // 4 CPU s in 2 s: 2 threads busy
      { cpuS: 12, wallMs: 9000 }, // 3 in 3: 1
      { cpuS: undefined, wallMs: 10500 }, // unreadable
      { cpuS: 13, wallMs: 12000 },
      { cpuS: 13.5, wallMs: 12500 }, // too short for /proc's 10 ms ticks
    ];
    expect(cpuPerWallIntervals(marks)).toEqual([undefined, 2, 1, undefined, undefined, undefined]);
  });
});
