import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Shortest runs whose CPU/wall is reported: below these, a garbage collection or a timer tick (and for
 * /proc, its 10 ms resolution) would swing the figure by more than the question it answers.
 */
export const MIN_WALL_MS_IN_PROCESS = 200;
export const MIN_WALL_MS_PROC = 1000;

/**
 * CPU time over wall time while something runs: the number of threads that were really busy. An
 * engine asked for 1 thread that shows 1.9 ran on two; one asked for 2 that shows 1.2 was starved
 * (a shared machine) or idles a thread. Spin-waiting counts as busy, as it occupies the core.
 * Undefined for runs shorter than `minWallMs`.
 */
export async function withCpuPerWall<T>(fn: () => Promise<T>, minWallMs = MIN_WALL_MS_IN_PROCESS): Promise<{ value: T; cpuPerWall?: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0); // this process, all its threads (getrusage RUSAGE_SELF)
  return { value, cpuPerWall: wallMs >= minWallMs ? (cpu.user + cpu.system) / (wallMs * 1000) : undefined };
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on Linux x86 unless configured otherwise). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number(r.stdout?.trim());
    ticksPerSecond = r.status === 0 && Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/** utime + stime in seconds from the text of /proc/<pid>/stat; undefined if it does not parse. */
export function parseProcStatCpuSeconds(stat: string, ticks = clockTicks()): number | undefined {
  // the command name (field 2) is in parentheses and may itself contain spaces or parentheses
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]); // field 14
  const stime = Number(rest[12]); // field 15
  return Number.isFinite(utime) && Number.isFinite(stime) && rest.length > 12 ? (utime + stime) / ticks : undefined;
}

/** CPU seconds a (child) process has used so far, from /proc (Linux); undefined when unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    return parseProcStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}
