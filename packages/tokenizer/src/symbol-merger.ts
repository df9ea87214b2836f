// The merge loop of byte-level BPE over one word's symbols: repeatedly merge the adjacent pair
// with the lowest rank (ties: leftmost). Short words use a direct scan; long ones rank buckets,
// or a heap when the buckets' order assumption fails, so no input is quadratic.

import { KeyHeap } from "./heap.js";
import type { MergeTable } from "./merge-table.js";

const SHORT_WORD = 64; // symbols; below this the direct scan beats the bucket queue
const POS = 2 ** 31; // heap key = rank * POS + position (exact in a double)
const INV_POS = 1 / POS;
const NO_MERGE = 0x7fffffff;

export class SymbolMerger {
  /** The word's symbols (token ids), filled by the caller for merge(n). */
  sym = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private readonly heap = new KeyHeap();
  // mergeBuckets: per rank, the first and last entry of its list (-1: empty), and the pool.
  private readonly bucketHead: Int32Array;
  private readonly bucketTail: Int32Array;
  private entryPos = new Int32Array(0);
  private entryNext = new Int32Array(0);
  private bucketList = new Int32Array(0);

  constructor(private readonly merges: MergeTable, maxRank: number) {
    this.bucketHead = new Int32Array(maxRank + 1).fill(-1);
    this.bucketTail = new Int32Array(maxRank + 1);
  }

  /** Make room for n symbols (may replace `sym`). */
  reserve(n: number): void {
    if (this.sym.length >= n) return;
    const cap = Math.max(n, this.sym.length * 2, 256);
    this.sym = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.next = new Int32Array(cap);
  }

  /** Merge sym[0..n) and return the resulting ids. */
  merge(n: number): number[] {
    return n < SHORT_WORD ? this.mergeShort(n) : this.mergeLong(n);
  }

  /** Direct scan for short words, remembering each adjacent pair's rank so a merge only
   *  looks up its two new neighbours. */
  private readonly pairRank = new Int32Array(SHORT_WORD);
  private readonly pairResult = new Int32Array(SHORT_WORD);

  /** Record the rank and result of the pair at i, i + 1 for mergeShort. */
  private setPair(i: number): void {
    const slot = this.merges.find(this.sym[i]!, this.sym[i + 1]!);
    this.pairRank[i] = slot >= 0 ? this.merges.rankAt(slot) : NO_MERGE;
    this.pairResult[i] = slot >= 0 ? this.merges.resultAt(slot) : -1;
  }

  private mergeShort(n: number): number[] {
    const { sym, pairRank: rank, pairResult: res } = this;
    for (let i = 0; i + 1 < n; i++) this.setPair(i);
    while (n > 1) {
      let best = 0;
      for (let i = 1; i + 1 < n; i++) if (rank[i]! < rank[best]!) best = i;
      if (rank[best] === NO_MERGE) break;
      sym[best] = res[best]!;
      for (let i = best + 1; i + 1 < n; i++) {
        sym[i] = sym[i + 1]!;
        rank[i] = rank[i + 1]!;
        res[i] = res[i + 1]!;
      }
      n--;
      if (best > 0) this.setPair(best - 1);
      if (best + 1 < n) this.setPair(best);
    }
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = sym[i]!;
    return out;
  }

  /** Long words: rank buckets over a linked list of symbols. Pairs of one rank are merged
   *  left to right; a merge never creates a pair of its own rank, and in BPE vocabs it creates
   *  only pairs of higher rank, which go to later buckets. So this is the lowest-rank-first,
   *  leftmost-first order, with sequential memory access instead of a large heap. If a merge
   *  creates a lower-rank pair (possible with rank-implied tiktoken merges), start over with
   *  the heap, which handles any order. */
  private mergeLong(n: number): number[] {
    const saved = this.sym.slice(0, n);
    const out = this.mergeBuckets(n);
    if (out !== undefined) return out;
    this.sym.set(saved);
    return this.mergeHeap(n);
  }

  private linkSymbols(n: number): void {
    const { prev, next } = this;
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
  }

  private collect(): number[] {
    const out: number[] = [];
    for (let i = 0; i >= 0; i = this.next[i]!) out.push(this.sym[i]!);
    return out;
  }

  private mergeBuckets(n: number): number[] | undefined {
    const { sym, prev, next, heap, merges, bucketHead: head, bucketTail: tail } = this;
    this.linkSymbols(n);
    // Buckets are linked lists in one entry pool: n - 1 initial pairs plus at most two new
    // pairs per merge, so 3n entries always suffice.
    if (this.entryPos.length < 3 * n) {
      this.entryPos = new Int32Array(3 * n);
      this.entryNext = new Int32Array(3 * n);
    }
    const { entryPos, entryNext } = this;
    let entries = 0;
    heap.clear(); // holds the distinct ranks that have a bucket
    const add = (rank: number, pos: number): void => {
      const e = entries++;
      entryPos[e] = pos;
      entryNext[e] = -1;
      if (head[rank] === -1) {
        head[rank] = e;
        heap.push(rank);
      } else entryNext[tail[rank]!] = e;
      tail[rank] = e;
    };
    for (let i = 0; i + 1 < n; i++) {
      const slot = merges.find(sym[i]!, sym[i + 1]!);
      if (slot >= 0) add(merges.rankAt(slot), i);
    }
    while (heap.length > 0) {
      const rank = heap.pop();
      const list = this.takeBucket(rank);
      for (let k = 0; k < list.length; k++) {
        const l = list[k]!;
        const r = next[l]!;
        if (sym[l]! < 0 || r < 0) continue;
        const slot = merges.find(sym[l]!, sym[r]!);
        if (slot < 0 || merges.rankAt(slot) !== rank) continue; // stale
        sym[l] = merges.resultAt(slot);
        sym[r] = -1;
        const rn = next[r]!;
        next[l] = rn;
        if (rn >= 0) {
          prev[rn] = l;
          const s2 = merges.find(sym[l]!, sym[rn]!);
          if (s2 >= 0) {
            if (merges.rankAt(s2) < rank) return this.abandonBuckets();
            add(merges.rankAt(s2), l);
          }
        }
        const lp = prev[l]!;
        if (lp >= 0) {
          const s1 = merges.find(sym[lp]!, sym[l]!);
          if (s1 >= 0) {
            if (merges.rankAt(s1) < rank) return this.abandonBuckets();
            add(merges.rankAt(s1), lp);
          }
        }
      }
    }
    return this.collect();
  }

  /** The positions in a rank's bucket, ascending; empties the bucket. */
  private takeBucket(rank: number): Int32Array {
    let m = 0;
    for (let e = this.bucketHead[rank]!; e !== -1; e = this.entryNext[e]!) m++;
    if (this.bucketList.length < m) this.bucketList = new Int32Array(Math.max(m, this.bucketList.length * 2));
    const list = this.bucketList.subarray(0, m);
    let k = 0, sorted = true;
    for (let e = this.bucketHead[rank]!; e !== -1; e = this.entryNext[e]!) {
      const pos = this.entryPos[e]!;
      if (k > 0 && pos < list[k - 1]!) sorted = false;
      list[k++] = pos;
    }
    this.bucketHead[rank] = -1;
    return sorted ? list : list.sort();
  }

  private abandonBuckets(): undefined {
    while (this.heap.length > 0) this.bucketHead[this.heap.pop()] = -1;
    return undefined;
  }

  /** Heap of (rank, left position). Entries are validated lazily on pop: one is current iff
   *  the pair now at its position still has its rank (then it is the lowest-rank, leftmost
   *  pair, whichever entry produced it). */
  private mergeHeap(n: number): number[] {
    const { sym, prev, next, heap, merges } = this;
    this.linkSymbols(n);
    heap.clear();
    for (let i = 0; i + 1 < n; i++) {
      const slot = merges.find(sym[i]!, sym[i + 1]!);
      if (slot >= 0) heap.push(merges.rankAt(slot) * POS + i);
    }
    while (heap.length > 0) {
      const key = heap.pop();
      const rank = Math.floor(key * INV_POS);
      const l = key - rank * POS;
      const r = next[l]!;
      if (sym[l]! < 0 || r < 0) continue;
      const slot = merges.find(sym[l]!, sym[r]!);
      if (slot < 0 || merges.rankAt(slot) !== rank) continue; // stale
      sym[l] = merges.resultAt(slot);
      sym[r] = -1;
      const rn = next[r]!;
      next[l] = rn;
      if (rn >= 0) {
        prev[rn] = l;
        const s2 = merges.find(sym[l]!, sym[rn]!);
        if (s2 >= 0) heap.push(merges.rankAt(s2) * POS + l);
      }
      const lp = prev[l]!;
      if (lp >= 0) {
        const s1 = merges.find(sym[lp]!, sym[l]!);
        if (s1 >= 0) heap.push(merges.rankAt(s1) * POS + lp);
      }
    }
    return this.collect();
  }
}
