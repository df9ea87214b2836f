// Open-addressing hash table from a pair of symbol ids to (merge rank, merged id).
// Integer keys in typed arrays: far faster than a Map keyed by strings or large numbers.

export class MergeTable {
  private readonly mask: number;
  private readonly keyA: Int32Array;
  private readonly keyB: Int32Array;
  private readonly rank: Int32Array;
  private readonly result: Int32Array;
  size = 0;

  constructor(capacityHint: number) {
    let cap = 16;
    while (cap < capacityHint * 2) cap *= 2;
    this.mask = cap - 1;
    this.keyA = new Int32Array(cap).fill(-1);
    this.keyB = new Int32Array(cap);
    this.rank = new Int32Array(cap);
    this.result = new Int32Array(cap);
  }

  private slot(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
    h ^= h >>> 15;
    let i = h & this.mask;
    while (this.keyA[i] !== -1 && (this.keyA[i] !== a || this.keyB[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }

  /** Insert unless present (the first, lowest rank wins for duplicate merges). */
  add(a: number, b: number, rank: number, result: number): void {
    const i = this.slot(a, b);
    if (this.keyA[i] !== -1) return;
    if (this.size * 2 >= this.mask) throw new Error("MergeTable over capacity"); // sized by caller
    this.keyA[i] = a;
    this.keyB[i] = b;
    this.rank[i] = rank;
    this.result[i] = result;
    this.size++;
  }

  /** Slot of the pair, or -1. */
  find(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.keyA[i] === -1 ? -1 : i;
  }

  rankAt(slot: number): number {
    return this.rank[slot]!;
  }

  resultAt(slot: number): number {
    return this.result[slot]!;
  }
}
