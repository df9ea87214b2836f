// The merge loop of byte-level BPE over one word's symbols: repeatedly merge the adjacent pair
// with the lowest rank (ties: leftmost). Short words use a direct scan; long ones rank buckets
// (or runs of equal symbols, see run-merger.ts), or a heap when their order assumption fails,
// so no input is quadratic.

import { KeyHeap } from "./heap.js";
import type { MergeTable } from "./merge-table.js";
import { RankBuckets } from "./rank-buckets.js";
import { RunMerger } from "./run-merger.js";

const SHORT_WORD = 64; // symbols; below this the direct scan beats the bucket queue
/** Long words whose runs of equal symbols are at least this long on average merge run by run
 *  (RunMerger: a run of one character costs per merge level, not per byte); others with the
 *  rank buckets, which spend less per merge. */
const RUN_WORD = 4;
const POS = 2 ** 31; // heap key = rank * POS + position (exact in a double)
const INV_POS = 1 / POS;
const NO_MERGE = 0x7fffffff;

export class SymbolMerger {
  /** The word's symbols (token ids), filled by the caller for merge(n). */
  sym = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  // mergeBuckets: rank (-1: none) and merged id of the pair now starting at each position
  private rankAt = new Int32Array(0);
  private mergedAt = new Int32Array(0);
  private readonly heap = new KeyHeap();
  // mergeBuckets: positions of pairs by rank, and one rank's positions in order
  private readonly buckets: RankBuckets;
  private bucketList = new Int32Array(0);
  /** mergeLong: the input symbols, kept for the heap if the buckets give up. */
  private saved = new Int32Array(0);

  private readonly runs: RunMerger;

  constructor(private readonly merges: MergeTable, maxRank: number) {
    this.runs = new RunMerger(merges, maxRank);
    this.buckets = new RankBuckets(maxRank);
  }

  /** Make room for n symbols (may replace `sym`). */
  reserve(n: number): void {
    if (this.sym.length >= n) return;
    const cap = Math.max(n, this.sym.length * 2, 256);
    this.sym = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.rankAt = new Int32Array(cap);
    this.mergedAt = new Int32Array(cap);
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
    const rank = this.merges.lookup(this.sym[i]!, this.sym[i + 1]!);
    this.pairRank[i] = rank >= 0 ? rank : NO_MERGE;
    this.pairResult[i] = this.merges.merged;
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

  /** Long words made of long runs of one symbol merge run by run (RunMerger); others use rank
   *  buckets over a linked list of symbols. Pairs of one rank are merged left to right; a
   *  merge never creates a pair of its own rank, and in BPE vocabs it creates only pairs of
   *  higher rank, which go to later buckets. So this is the lowest-rank-first, leftmost-first
   *  order, with sequential memory access instead of a large heap. If a merge creates a
   *  lower-rank pair (possible with rank-implied tiktoken merges), start over with the heap,
   *  which handles any order. */
  private mergeLong(n: number): number[] {
    if (this.runCount(n) * RUN_WORD <= n) {
      const out = this.runs.merge(this.sym, n); // leaves sym as it was if it gives up
      if (out !== undefined) return out;
    }
    if (this.saved.length < n) this.saved = new Int32Array(this.sym.length);
    this.saved.set(this.sym.subarray(0, n));
    const out = this.mergeBuckets(n);
    if (out !== undefined) return out;
    this.sym.set(this.saved.subarray(0, n));
    return this.mergeHeap(n);
  }

  /** The number of runs of equal symbols in sym[0..n). */
  private runCount(n: number): number {
    const sym = this.sym;
    let runs = 1;
    for (let i = 1; i < n; i++) if (sym[i] !== sym[i - 1]) runs++;
    return runs;
  }

  private linkSymbols(n: number): void {
    const { prev, next } = this;
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
  }

  /** The symbols left in the linked list (counted first: one array of the right size). */
  private collect(): number[] {
    const { sym, next } = this;
    let n = 0;
    for (let i = 0; i >= 0; i = next[i]!) n++;
    const out = new Array<number>(n);
    for (let i = 0, k = 0; i >= 0; i = next[i]!) out[k++] = sym[i]!;
    return out;
  }

  private mergeBuckets(n: number): number[] | undefined {
    const { sym, prev, next, merges, buckets } = this;
    this.linkSymbols(n);
    // n - 1 initial pairs plus at most two new pairs per merge: a bucket never holds more than 3n
    if (this.bucketList.length < 3 * n) this.bucketList = new Int32Array(3 * n);
    buckets.clear();
    // The pair at each position is looked up once per change of it: a bucket entry is current
    // iff its position still holds a pair of the bucket's rank.
    const { rankAt, mergedAt } = this;
    for (let i = 0; i + 1 < n; i++) {
      const rank = this.setLinkedPair(i);
      if (rank >= 0) buckets.add(rank, i);
    }
    rankAt[n - 1] = -1;
    while (!buckets.empty) {
      const rank = buckets.lowestRank();
      const list = this.takeBucket(rank);
      for (let k = 0; k < list.length; k++) {
        const l = list[k]!;
        if (sym[l]! < 0 || rankAt[l] !== rank) continue; // stale
        const r = next[l]!;
        sym[l] = mergedAt[l]!;
        sym[r] = -1;
        const rn = next[r]!;
        next[l] = rn;
        if (rn >= 0) {
          prev[rn] = l;
          // If the pair at rn has this rank, it is in this list (no merge creates a pair of
          // its own rank), next after the dead r: it merges next, and then looks up its left
          // pair (l, its result). The pair (l, rn) would only exist in between, so unless it
          // could merge first (a lower rank), looking it up now is wasted (runs of one symbol).
          if (rankAt[rn] === rank && merges.minOperandRank(sym[l]!) > rank) rankAt[l] = -1;
          else {
            const r2 = this.setLinkedPair(l);
            if (r2 >= 0) {
              if (r2 < rank) return this.abandonBuckets();
              buckets.add(r2, l);
            }
          }
        } else rankAt[l] = -1;
        const lp = prev[l]!;
        if (lp >= 0) {
          const r1 = this.setLinkedPair(lp);
          if (r1 >= 0) {
            if (r1 < rank) return this.abandonBuckets();
            buckets.add(r1, lp);
          }
        }
      }
    }
    return this.collect();
  }

  /** Look up the pair now starting at linked position i; returns its rank (-1: none). */
  private setLinkedPair(i: number): number {
    const rank = (this.rankAt[i] = this.merges.lookup(this.sym[i]!, this.sym[this.next[i]!]!));
    this.mergedAt[i] = this.merges.merged;
    return rank;
  }

  /** The positions in a rank's bucket, ascending; empties the bucket. */
  private takeBucket(rank: number): Int32Array {
    const all = this.bucketList; // 3n long: holds any bucket (mergeBuckets)
    const buckets = this.buckets;
    let k = 0, sorted = true;
    for (let e = buckets.take(rank); e !== -1; e = buckets.next(e)) {
      const pos = buckets.value(e);
      if (k > 0 && pos < all[k - 1]!) sorted = false;
      all[k++] = pos;
    }
    const list = all.subarray(0, k);
    return sorted ? list : list.sort();
  }

  private abandonBuckets(): undefined {
    this.buckets.clear();
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
      const rank = merges.lookup(sym[i]!, sym[i + 1]!);
      if (rank >= 0) heap.push(rank * POS + i);
    }
    while (heap.length > 0) {
      const key = heap.pop();
      const rank = Math.floor(key * INV_POS);
      const l = key - rank * POS;
      const r = next[l]!;
      if (sym[l]! < 0 || r < 0) continue;
      if (merges.lookup(sym[l]!, sym[r]!) !== rank) continue; // stale
      sym[l] = merges.merged;
      sym[r] = -1;
      const rn = next[r]!;
      next[l] = rn;
      if (rn >= 0) {
        prev[rn] = l;
        const r2 = merges.lookup(sym[l]!, sym[rn]!);
        if (r2 >= 0) heap.push(r2 * POS + l);
      }
      const lp = prev[l]!;
      if (lp >= 0) {
        const r1 = merges.lookup(sym[lp]!, sym[l]!);
        if (r1 >= 0) heap.push(r1 * POS + lp);
      }
    }
    return this.collect();
  }
}
