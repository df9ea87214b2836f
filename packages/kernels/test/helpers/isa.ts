// Runs a test body on every ISA path this CPU has and with 1 and 2 pool threads, restoring the
// previous ISA and thread count afterwards. Import from kernel tests:
//   import { forEachIsaAndThreads } from "./helpers/isa";
//   forEachIsaAndThreads(({ isa, threads }) => { ...assertions... });
import { cpuInfo, getThreads, setIsa, setThreads, type IsaName } from "../../src/index";

export interface IsaCase {
  isa: IsaName;
  threads: number;
}

/** Every ISA path the CPU supports, narrowest first (always includes "scalar"). */
export function availableIsas(): IsaName[] {
  return cpuInfo().available;
}

export const THREAD_COUNTS = [1, 2] as const;

/** Every (isa, threads) combination, for test.each / describe.each style tables. */
export function isaThreadCases(): IsaCase[] {
  return availableIsas().flatMap((isa) => THREAD_COUNTS.map((threads) => ({ isa, threads })));
}

/** Calls fn once per (isa, threads) with that ISA and thread count active. */
export function forEachIsaAndThreads(fn: (c: IsaCase) => void): void {
  const prevIsa = cpuInfo().isa;
  const prevThreads = getThreads();
  try {
    for (const c of isaThreadCases()) {
      const active = setIsa(c.isa);
      if (active !== c.isa) throw new Error(`setIsa(${c.isa}) activated ${active}`);
      setThreads(c.threads);
      try {
        fn(c);
      } catch (err) {
        // name the combination that failed
        if (err instanceof Error) err.message = `[isa=${c.isa} threads=${c.threads}] ${err.message}`;
        throw err;
      }
    }
  } finally {
    setIsa(prevIsa);
    setThreads(prevThreads);
  }
}

/** Async variant of forEachIsaAndThreads. */
export async function forEachIsaAndThreadsAsync(fn: (c: IsaCase) => Promise<void>): Promise<void> {
  const prevIsa = cpuInfo().isa;
  const prevThreads = getThreads();
  try {
    for (const c of isaThreadCases()) {
      setIsa(c.isa);
      setThreads(c.threads);
      try {
        await fn(c);
      } catch (err) {
        if (err instanceof Error) err.message = `[isa=${c.isa} threads=${c.threads}] ${err.message}`;
        throw err;
      }
    }
  } finally {
    setIsa(prevIsa);
    setThreads(prevThreads);
  }
}
