import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * CPU time over wall time while something runs: the number of threads that were really busy. An
 * engine asked for 1 thread that shows 1.9 ran on two; one asked for 2 that shows 1.2 was starved
 * (a shared machine) or idles a thread. Spin-waiting counts as busy, as it occupies the core.
 */
export async function withCpuPerWall<T>(fn: () => Promise<T>): Promise<{ value: T; cpuPerWall: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallUs = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0); // this process, all its threads (getrusage RUSAGE_SELF)
  return { value, cpuPerWall: wallUs > 0 ? (cpu.user + cpu.system) / wallUs : Number.NaN };
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
