// Bounded cache of token ids per pre-token, in typed arrays only: an open-addressing table of
// (hash, entry) over one Int32Array pool holding each entry's key code units and ids side by
// side. A lookup touches two cache lines and allocates nothing, which matters when most
// pre-tokens are new (random bytes: ~100k distinct words per MB, where a Map<string, number[]>
// spends most of its time on memory misses and garbage). The slot table grows with the number
// of entries, so a cache of few words stays in the CPU caches. When full, it starts over
// empty: words in use come back on their next miss, and the cost stays linear.

import type { IdBuffer } from "./id-buffer.js";

const MAX_ENTRIES = 1 << 17;
const MIN_SLOTS = 1 << 12;
const PRESENT_BITS = 4; // per slot: at most 1 in 8 bits set, so ~1 in 8 uncached words pass
// slots grow to at most 2 * MAX_ENTRIES (load factor ≤ 1/2)
const MAX_POOL = 1 << 23; // Int32 units (32 MB)
const FRONT = 1 << 12; // direct-mapped front table (32 KB) for the words that recur most
/** Longer words are not cached (rare, and would pin memory). */
export const MAX_CACHED_WORD = 256;

/** Hash of the UTF-16 code units of the word s[start, end) (callers pass it to `emit` and `add`). */
export function wordHash(s: string, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

export class IdCache {
  /** Per slot: hash, and entry offset + 1 (0 = empty); slotMask + 1 slots. */
  private slots = new Int32Array(MIN_SLOTS * 2);
  private slotMask = MIN_SLOTS - 1;
  /** One bit per hash of a cached word (PRESENT_BITS per slot): most words that are not
   *  cached are turned away here, in a table small enough for the fastest CPU cache, without
   *  a probe of the slots (random bytes: most pre-tokens are never cached, see bpe.ts). */
  private present = new Int32Array((MIN_SLOTS * PRESENT_BITS) >>> 5);
  private presentShift = 32 - Math.log2(MIN_SLOTS * PRESENT_BITS);
  /** Per front slot: hash, entry offset + 1 (0 = empty). */
  private readonly front = new Int32Array(FRONT * 2);
  /** Entries: key length, id count, key code units, ids. */
  private pool = new Int32Array(1 << 16);
  private used = 0;
  private entries = 0;

  /** Append the ids cached for the word str[start, end) to `out`; false if it is not cached. */
  emit(str: string, start: number, end: number, hash: number, out: IdBuffer): boolean {
    const f = (hash & (FRONT - 1)) << 1;
    if (this.front[f] === hash && this.emitEntry(this.front[f + 1]! - 1, str, start, end, out)) return true;
    const bit = this.presentBit(hash);
    if ((this.present[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    const { slots, slotMask: mask } = this;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const e = slots[2 * s + 1]! - 1;
      if (e < 0) return false;
      if (slots[2 * s] === hash && this.emitEntry(e, str, start, end, out)) {
        this.front[f] = hash;
        this.front[f + 1] = e + 1;
        return true;
      }
    }
  }

  /** If entry e (or -1) holds the word s[start, end), append its ids to `out` and return true. */
  private emitEntry(e: number, s: string, start: number, end: number, out: IdBuffer): boolean {
    const pool = this.pool;
    const n = end - start;
    if (e < 0 || pool[e] !== n) return false;
    for (let i = 0; i < n; i++) if (pool[e + 2 + i] !== s.charCodeAt(start + i)) return false;
    const ids = e + 2 + n, count = pool[e + 1]!;
    const dst = out.reserve(count);
    for (let k = 0, o = out.length; k < count; k++) dst[o + k] = pool[ids + k]!;
    out.length += count;
    return true;
  }

  /** Cache the ids of the word str[start, end), not yet cached. */
  add(str: string, start: number, end: number, hash: number, ids: readonly number[]): void {
    const n = end - start;
    if (n >= MAX_CACHED_WORD) return;
    const size = 2 + n + ids.length;
    if (this.entries >= MAX_ENTRIES || this.used + size > MAX_POOL) this.clear();
    else if (2 * (this.entries + 1) > this.slotMask + 1) this.growSlots();
    if (this.used + size > this.pool.length) {
      const grown = new Int32Array(Math.min(MAX_POOL, Math.max(this.pool.length * 2, this.used + size)));
      grown.set(this.pool.subarray(0, this.used));
      this.pool = grown;
    }
    const pool = this.pool;
    const e = this.used;
    this.insertSlot(hash, e);
    pool[e] = n;
    pool[e + 1] = ids.length;
    for (let i = 0; i < n; i++) pool[e + 2 + i] = str.charCodeAt(start + i);
    for (let i = 0; i < ids.length; i++) pool[e + 2 + n + i] = ids[i]!;
    const f = (hash & (FRONT - 1)) << 1;
    this.front[f] = hash;
    this.front[f + 1] = e + 1;
    this.used += size;
    this.entries++;
  }

  /** Bit index of a hash in `present` (other bits of it than the slot index). */
  private presentBit(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> this.presentShift;
  }

  private insertSlot(hash: number, e: number): void {
    const { slots, slotMask: mask } = this;
    let s = hash & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = hash;
    slots[2 * s + 1] = e + 1;
    const bit = this.presentBit(hash);
    this.present[bit >>> 5]! |= 1 << (bit & 31);
  }

  /** Double the slot table (its entries are rehashed; the pool does not move). */
  private growSlots(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.slotMask = this.slots.length / 2 - 1;
    const bits = (this.slotMask + 1) * PRESENT_BITS;
    this.present = new Int32Array(bits >>> 5);
    this.presentShift = 32 - Math.log2(bits);
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.insertSlot(old[s]!, old[s + 1]! - 1);
  }

  private clear(): void {
    this.slots.fill(0);
    this.present.fill(0);
    this.front.fill(0);
    this.used = 0;
    this.entries = 0;
  }
}
