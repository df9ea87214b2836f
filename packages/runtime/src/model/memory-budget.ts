// Refuses at load a model whose KV cache and weights cannot fit in the memory available. The KV
// cache is reserved without being touched (pages arrive as positions fill), so without this check
// an oversized context loads fine and the process is killed by the OOM killer much later, when
// the conversation grows.
import { readFileSync } from "node:fs";
import { freemem } from "node:os";
import { ModelLoadError } from "../errors.js";
import type { KvType } from "../kv/cache.js";

/** Bytes this process can still get: Linux's MemAvailable (free plus reclaimable cache), capped
 *  by a cgroup v2 memory limit when the process runs under one; os.freemem() elsewhere. */
export function availableMemory(): number {
  let avail = freemem();
  const meminfo = readOptional("/proc/meminfo");
  const m = meminfo && /^MemAvailable:\s+(\d+) kB/m.exec(meminfo);
  if (m) avail = Number(m[1]) * 1024;
  const limit = readOptional("/sys/fs/cgroup/memory.max")?.trim();
  const used = readOptional("/sys/fs/cgroup/memory.current");
  if (limit && limit !== "max" && used) avail = Math.min(avail, Number(limit) - Number(used));
  return avail;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

export interface MemoryNeed {
  contextLength: number;
  kvType: KvType;
  /** K+V bytes of one sequence over the whole context */
  kvBytes: number;
  /** bytes of the model's tensors (the engine keeps about that much: repacked or mapped) */
  weightBytes: number;
}

/** Throws ModelLoadError OUT_OF_MEMORY when the weights plus one sequence's KV cache exceed `available`. */
export function checkMemoryBudget(need: MemoryNeed, available: number = availableMemory()): void {
  if (need.kvBytes + need.weightBytes <= available) return;
  const smaller = need.kvType === "q8_0" ? "" : ", or kvType \"q8_0\" (--kv-type q8_0) to halve the cache";
  throw new ModelLoadError(
    "OUT_OF_MEMORY",
    `a ${need.contextLength}-token context needs ${gib(need.kvBytes)} of ${need.kvType} KV cache besides ${gib(need.weightBytes)} of weights, ` +
      `but ${gib(Math.max(0, available))} of memory is available: use a smaller contextLength (--ctx)${smaller}`,
  );
}
