// KV cache slots: they grow on demand, but only by slots whose whole context fits in the memory
// available, so concurrency beyond what memory holds waits instead of being OOM-killed later.
import { describe, expect, it } from "vitest";
import { KvCache } from "../src/kv/cache.js";
import type { ModelConfig } from "../src/model/config.js";

const cfg = { blockCount: 2, headCountKv: 2, headDim: 32 } as ModelConfig;

describe("KV cache slots", () => {
  it("grow by doubling while memory allows, then only by the slots that fit, then not at all", () => {
    let available = Infinity;
    const kv = new KvCache(cfg, { contextLength: 64, type: "f16", maxSlots: 8, availableMemory: () => available });
    try {
      const seq = kv.bytesPerSequence;
      expect(seq).toBe(2 * 2 * 64 * 64 * 2); // K and V, 2 layers, 64-wide rows, 64 positions, f16
      expect([kv.acquire(() => 0), kv.acquire(() => 0), kv.acquire(() => 0)]).toEqual([0, 1, 2]);
      expect(kv.capacity).toBe(4);
      available = 0.5 * seq; // not one more full context
      expect(kv.acquire(() => 0)).toBe(3); // a free slot needs no memory
      expect(kv.acquire(() => 0)).toBe(-1); // growing would: the sequence waits
      expect(kv.capacity).toBe(4);
      kv.release(1);
      expect(kv.acquire(() => 0)).toBe(1); // a finished sequence's slot is reused
      available = 1.5 * seq; // room for one more slot, not for doubling to 8
      expect(kv.acquire(() => 0)).toBe(4);
      expect(kv.capacity).toBe(5);
      available = Infinity;
      expect(kv.acquire(() => 0)).toBe(5);
      expect(kv.capacity).toBe(8); // doubling capped at maxSlots
    } finally {
      kv.dispose();
    }
  });
});
