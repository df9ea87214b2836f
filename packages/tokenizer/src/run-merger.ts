// The merge loop for long words, over runs of equal symbols: a node per maximal run
// (symbol, count), so a run of one character costs per merge level, not per byte.
//
// Pairs of one rank (one rule) are merged one rank at a time, lowest first. Within a rank the
// merges are independent of each other, so their order does not matter:
//  - rule (A, A) merges inside each run of A from its left end: A^m becomes (AA)^(m/2), plus
//    one A if m is odd (leftmost first). Runs are maximal, so two runs of A are never adjacent.
//  - rule (A, B), A ≠ B, merges at each place where a run of A meets a run of B: the last A
//    and the first B. Two such places never share a symbol.
// A merge never makes a pair of its own rank (that would be the same rule, with an operand
// equal to its own result), and in BPE vocabs only pairs of higher rank, which are queued for
// later. If a merge's result is an operand of some lower-rank rule (possible with rank-implied
// tiktoken merges, or a merges list that makes one token by two rules), the order within a
// rank would matter: `merge` gives up and the caller uses a heap, which handles any order.

import type { MergeTable } from "./merge-table.js";
import { RankBuckets } from "./rank-buckets.js";

const INTRA = 1; // entry kind: the pair inside a run (else the pair with the next run)

export class RunMerger {
  // Per node: symbol, run length (0: free), neighbours (-1: none), and the rank (-1: none)
  // and merged id of its pair inside the run and of its pair with the next run.
  private sym = new Int32Array(0);
  private count = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private intraRank = new Int32Array(0);
  private intraMerged = new Int32Array(0);
  private interRank = new Int32Array(0);
  private interMerged = new Int32Array(0);
  private nodes = 0;
  /** Freed nodes, reused first (a stack). */
  private free = new Int32Array(0);
  private freeCount = 0;
  /** Pairs by rank; entries: node << 1 | kind (appended in turn: the initial pairs come left to right). */
  private readonly buckets: RankBuckets;
  /** The rank being merged; a new pair ranking lower sets `failed`. */
  private current = -1;
  private failed = false;

  constructor(private readonly merges: MergeTable, maxRank: number) {
    this.buckets = new RankBuckets(maxRank);
  }

  /** BPE of symbols[0..n): the resulting ids, or undefined if a merge made a pair that ranks
   *  below it (see above). `symbols` is not modified. */
  merge(symbols: Int32Array, n: number): number[] | undefined {
    this.start(symbols, n);
    const buckets = this.buckets;
    while (!buckets.empty && !this.failed) {
      const rank = buckets.lowestRank();
      this.current = rank;
      // merges add no entries of this rank, so its list does not change while we walk it
      for (let e = buckets.take(rank); e !== -1 && !this.failed; e = buckets.next(e)) this.mergeEntry(buckets.value(e), rank);
    }
    if (this.failed) {
      buckets.clear();
      return undefined;
    }
    return this.collect();
  }

  /** One node per maximal run of symbols[0..n), their pairs queued. */
  private start(symbols: Int32Array, n: number): void {
    if (this.sym.length < n) this.allocate(n);
    this.nodes = 0;
    this.freeCount = 0;
    this.failed = false;
    this.current = -1;
    this.buckets.clear();
    let last = -1;
    for (let i = 0; i < n; i++) {
      const s = symbols[i]!;
      if (last >= 0 && this.sym[last] === s) this.count[last]!++;
      else last = this.newNode(s, 1, last);
    }
    for (let k = 0; k < this.nodes; k++) this.setPairs(k);
  }

  private allocate(n: number): void {
    this.sym = new Int32Array(n);
    this.count = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.intraRank = new Int32Array(n);
    this.intraMerged = new Int32Array(n);
    this.interRank = new Int32Array(n);
    this.interMerged = new Int32Array(n);
    this.free = new Int32Array(n);
  }

  /** A node (symbol × cnt) linked after `after` (-1: as the first). Live nodes never exceed
   *  the symbols left, so with freed nodes reused, n nodes suffice. */
  private newNode(symbol: number, cnt: number, after: number): number {
    const k = this.freeCount > 0 ? this.free[--this.freeCount]! : this.nodes++;
    this.sym[k] = symbol;
    this.count[k] = cnt;
    this.intraRank[k] = -1;
    this.interRank[k] = -1;
    const nx = after >= 0 ? this.next[after]! : -1;
    this.prev[k] = after;
    this.next[k] = nx;
    if (after >= 0) this.next[after] = k;
    if (nx >= 0) this.prev[nx] = k;
    return k;
  }

  private removeNode(k: number): void {
    const p = this.prev[k]!, nx = this.next[k]!;
    if (p >= 0) this.next[p] = nx;
    if (nx >= 0) this.prev[nx] = p;
    this.count[k] = 0;
    this.free[this.freeCount++] = k;
  }

  /** If node k's next run has its symbol, absorb it. */
  private absorbNext(k: number): void {
    const nx = this.next[k]!;
    if (nx >= 0 && this.sym[nx] === this.sym[k]) {
      this.count[k]! += this.count[nx]!;
      this.removeNode(nx);
    }
  }

  /** Node k absorbed into its previous run if that has its symbol; returns the node now
   *  holding k's run. */
  private intoPrev(k: number): number {
    const p = this.prev[k]!;
    if (p < 0 || this.sym[p] !== this.sym[k]) return k;
    this.count[p]! += this.count[k]!;
    this.removeNode(k);
    return p;
  }

  /** Look up node k's pairs again; queue those that changed. */
  private setPairs(k: number): void {
    const { sym, merges } = this;
    let rank = -1;
    if (this.count[k]! >= 2) {
      rank = merges.lookup(sym[k]!, sym[k]!);
      this.intraMerged[k] = merges.merged;
    }
    if (this.intraRank[k] !== rank) {
      this.intraRank[k] = rank;
      if (rank >= 0) this.queue(rank, (k << 1) | INTRA);
    }
    const nx = this.next[k]!;
    rank = -1;
    if (nx >= 0) {
      rank = merges.lookup(sym[k]!, sym[nx]!);
      this.interMerged[k] = merges.merged;
    }
    if (this.interRank[k] !== rank) {
      this.interRank[k] = rank;
      if (rank >= 0) this.queue(rank, k << 1);
    }
  }

  private queue(rank: number, key: number): void {
    if (rank < this.current) this.failed = true;
    else this.buckets.add(rank, key);
  }

  /** Merge the pair of entry `key` if it is still there with this rank. */
  private mergeEntry(key: number, rank: number): void {
    const k = key >> 1;
    if (this.count[k] === 0) return; // freed
    if ((key & INTRA) !== 0) {
      if (this.intraRank[k] === rank && this.count[k]! >= 2) this.mergeInside(k);
    } else if (this.interRank[k] === rank && this.next[k]! >= 0) this.mergeAcross(k);
  }

  /** Whether a merge into `merged` at this rank could make a lower-rank pair: then give up
   *  (else the order of the merges within a rank would matter). */
  private mayMakeLower(merged: number, rank: number): boolean {
    if (this.merges.minOperandRank(merged) > rank) return false;
    this.failed = true;
    return true;
  }

  /** A^m → (AA)^(m/2), then A if m is odd. */
  private mergeInside(k: number): void {
    if (this.mayMakeLower(this.intraMerged[k]!, this.current)) return;
    const a = this.sym[k]!, m = this.count[k]!;
    this.sym[k] = this.intraMerged[k]!;
    this.count[k] = m >> 1;
    let odd = -1;
    if ((m & 1) !== 0) odd = this.newNode(a, 1, k);
    else this.absorbNext(k);
    k = this.intoPrev(k);
    if (this.prev[k]! >= 0) this.setPairs(this.prev[k]!);
    this.setPairs(k);
    if (odd >= 0) this.setPairs(odd);
  }

  /** A^p B^q → A^(p-1) (AB) B^(q-1). */
  private mergeAcross(k: number): void {
    const k2 = this.next[k]!;
    const merged = this.interMerged[k]!;
    if (this.mayMakeLower(merged, this.current)) return;
    let c: number;
    if (this.count[k]! > 1) {
      this.count[k]!--;
      c = this.newNode(merged, 1, k);
    } else {
      c = k;
      this.sym[c] = merged;
    }
    const lastB = this.count[k2] === 1;
    if (lastB) this.removeNode(k2);
    else this.count[k2]!--;
    if (lastB) this.absorbNext(c);
    c = this.intoPrev(c);
    if (this.prev[c]! >= 0) this.setPairs(this.prev[c]!);
    this.setPairs(c);
    if (!lastB) this.setPairs(k2);
  }

  /** The symbols of the runs, in order. */
  private collect(): number[] {
    const { sym, count, next } = this;
    let total = 0;
    for (let k = 0; k >= 0; k = next[k]!) total += count[k]!;
    const out = new Array<number>(total);
    let o = 0;
    for (let k = 0; k >= 0; k = next[k]!) for (let c = count[k]!; c > 0; c--) out[o++] = sym[k]!;
    return out;
  }
}
