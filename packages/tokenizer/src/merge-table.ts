// Open-addressing hash table from a pair of symbol ids to (merge rank, merged id).
// Integer keys in one interleaved typed array (a, b, rank, result per slot), so a probe
// touches one cache line: far faster than a Map keyed by strings or large numbers.

const EMPTY = -1;
const NO_RANK = 0x7fffffff;
/** Pairs of ids below this (the single-byte tokens of GPT-2, Llama 3, Qwen…: most first
 *  merges) are answered from a direct table of 512 KB instead of a probe of the large one. */
const SMALL = 256;
/** Direct-mapped cache of recent lookups of other pairs (64 KB): the pairs of one text recur,
 *  and most probes of the large table would miss the CPU caches. */
const FRONT = 1 << 12;

export class MergeTable {
  private readonly mask: number;
  private readonly cells: Int32Array;
  size = 0;
  /** Per pair a * SMALL + b: rank (-1: no merge) and merged id; built on first lookup. */
  private small?: Int32Array;
  /** Per front slot: a (EMPTY: unused), b, rank (-1: no merge), merged id. */
  private readonly front = new Int32Array(FRONT * 4).fill(EMPTY);
  private lookedUp = false;
  /** Per id: the lowest rank of a merge with it as an operand (NO_RANK: none); built on first use. */
  private minOperand?: Int32Array;

  /** `resolve(a, b)` gives the merged id of entries added with result -1, on first use. */
  constructor(capacityHint: number, private readonly resolve: (a: number, b: number) => number) {
    let cap = 16;
    while (cap < capacityHint * 2) cap *= 2;
    this.mask = cap - 1;
    this.cells = new Int32Array(cap * 4).fill(EMPTY);
  }

  private buildSmall(): Int32Array {
    this.lookedUp = true;
    const t = new Int32Array(SMALL * SMALL * 2).fill(-1);
    for (let a = 0; a < SMALL; a++) {
      for (let b = 0; b < SMALL; b++) {
        const o = this.cell(a, b);
        if (this.cells[o] === EMPTY) continue;
        t[(a * SMALL + b) << 1] = this.cells[o + 2]!;
        t[((a * SMALL + b) << 1) + 1] = this.resultAt(o);
      }
    }
    return (this.small = t);
  }

  /** Cell offset of the pair, or of the empty cell where it would go. */
  private static hash(a: number, b: number): number {
    const h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
    return h ^ (h >>> 15);
  }

  private cell(a: number, b: number, h = MergeTable.hash(a, b)): number {
    const cells = this.cells;
    let i = h & this.mask;
    for (;;) {
      const o = i << 2;
      const k = cells[o]!;
      if (k === EMPTY || (k === a && cells[o + 1] === b)) return o;
      i = (i + 1) & this.mask;
    }
  }

  /** Insert unless present (the first, lowest rank wins for duplicate merges). */
  add(a: number, b: number, rank: number, result: number): void {
    if (this.lookedUp) {
      this.lookedUp = false; // drop what lookups cached
      this.small = undefined;
      this.minOperand = undefined;
      this.front.fill(EMPTY);
    }
    const o = this.cell(a, b);
    if (this.cells[o] !== EMPTY) return;
    if (this.size * 2 >= this.mask) throw new Error("MergeTable over capacity"); // sized by caller
    this.cells[o] = a;
    this.cells[o + 1] = b;
    this.cells[o + 2] = rank;
    this.cells[o + 3] = result;
    this.size++;
  }

  /** The lowest rank of a merge with `id` as either operand (NO_RANK: none): no pair made
   *  with this symbol ranks lower. */
  minOperandRank(id: number): number {
    const t = this.minOperand ?? this.buildMinOperand();
    return id < t.length ? t[id]! : NO_RANK;
  }

  private buildMinOperand(): Int32Array {
    this.lookedUp = true;
    const cells = this.cells;
    let maxId = 0;
    for (let o = 0; o < cells.length; o += 4) maxId = Math.max(maxId, cells[o]!, cells[o + 1]!);
    const t = new Int32Array(maxId + 1).fill(NO_RANK);
    for (let o = 0; o < cells.length; o += 4) {
      const a = cells[o]!, b = cells[o + 1]!, rank = cells[o + 2]!;
      if (a === EMPTY) continue;
      if (rank < t[a]!) t[a] = rank;
      if (rank < t[b]!) t[b] = rank;
    }
    return (this.minOperand = t);
  }

  /** The merged id of the pair found by the last successful `lookup`. */
  merged = -1;

  /** Rank of the pair (a, b), its merged id then in `merged`; -1 if the pair never merges. */
  lookup(a: number, b: number): number {
    if ((a | b) < SMALL) {
      const t = this.small ?? this.buildSmall();
      const k = (a * SMALL + b) << 1;
      this.merged = t[k + 1]!;
      return t[k]!;
    }
    const h = MergeTable.hash(a, b);
    const front = this.front;
    const f = (h & (FRONT - 1)) << 2;
    if (front[f] === a && front[f + 1] === b) {
      this.merged = front[f + 3]!;
      return front[f + 2]!;
    }
    this.lookedUp = true;
    const o = this.cell(a, b, h);
    const found = this.cells[o] !== EMPTY;
    const rank = found ? this.cells[o + 2]! : -1;
    this.merged = found ? this.resultAt(o) : -1;
    front[f] = a;
    front[f + 1] = b;
    front[f + 2] = rank;
    front[f + 3] = this.merged;
    return rank;
  }

  private resultAt(handle: number): number {
    const r = this.cells[handle + 3]!;
    return r >= 0 ? r : (this.cells[handle + 3] = this.resolve(this.cells[handle]!, this.cells[handle + 1]!));
  }
}
