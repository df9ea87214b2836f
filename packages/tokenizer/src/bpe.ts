// Byte-level BPE over merge ranks for one pre-token at a time: start from one symbol per UTF-8
// byte, repeatedly merge the adjacent pair with the lowest rank (ties: leftmost). Short words
// use a direct scan; long ones (pathological input) a heap over a linked list, so the cost
// stays O(n log n). Results are cached per pre-token.

import { BYTE_TO_CHAR } from "./byte-level.js";
import { KeyHeap } from "./heap.js";
import { MergeTable } from "./merge-table.js";
import { TokenizerError } from "./errors.js";

const SHORT_WORD = 48; // symbols; below this the O(n^2) scan is faster than the heap
const CACHE_LIMIT = 1 << 16;
const POS = 2 ** 31; // heap key = rank * POS + position (exact in a double)

export interface BpeVocabView {
  readonly size: number;
  idOf(piece: string): number | undefined;
}

/** Merge rules keyed by symbol ids. Merge results that are not vocab entries get "virtual"
 *  ids from vocab.size up; at the end they fall back to their single characters. */
export class MergeRules {
  readonly table: MergeTable;
  /** Token id of each single byte's byte-level character. */
  readonly byteIds = new Int32Array(256);
  readonly virtualPieces: string[] = [];
  private readonly virtualIds = new Map<string, number>();

  constructor(readonly vocab: BpeVocabView, capacity: number) {
    this.table = new MergeTable(capacity);
    for (let b = 0; b < 256; b++) this.byteIds[b] = this.idOrVirtual(BYTE_TO_CHAR[b]!);
  }

  /** Add a merge of two vocab pieces; pairs whose inputs are not in the vocab can never apply. */
  maxPieceLength = 1;

  add(left: string, right: string, rank: number): void {
    const a = this.vocab.idOf(left), b = this.vocab.idOf(right);
    if (a === undefined || b === undefined) return;
    this.maxPieceLength = Math.max(this.maxPieceLength, left.length + right.length);
    this.table.add(a, b, rank, this.idOrVirtual(left + right));
  }

  private idOrVirtual(piece: string): number {
    const id = this.vocab.idOf(piece) ?? this.virtualIds.get(piece);
    if (id !== undefined) return id;
    const v = this.vocab.size + this.virtualPieces.length;
    this.virtualPieces.push(piece);
    this.virtualIds.set(piece, v);
    return v;
  }
}

/** Rules from GGUF/tokenizer.json merges ("left right", rank = index). */
export function mergesFromList(vocab: BpeVocabView, merges: readonly (string | readonly [string, string])[], key: string): MergeRules {
  const rules = new MergeRules(vocab, merges.length);
  for (let r = 0; r < merges.length; r++) {
    const m = merges[r]!;
    if (typeof m !== "string") {
      rules.add(m[0], m[1], r);
      continue;
    }
    const sp = m.indexOf(" ", 1); // byte-level pieces contain no spaces (they are Ġ)
    if (sp < 0) throw new TokenizerError("BAD_VALUE", `merge ${r} ('${m}') is not two space-separated pieces`, key);
    rules.add(m.slice(0, sp), m.slice(sp + 1), r);
  }
  return rules;
}

/** Rules implied by a rank-ordered vocab (tiktoken): any two pieces whose concatenation is a
 *  piece merge, with that piece's rank. Lowest rank first, ties leftmost — tiktoken's rule. */
export function mergesFromRanks(vocab: BpeVocabView, pieces: readonly string[], ranks: ArrayLike<number>): MergeRules {
  let pairs = 0;
  for (const p of pieces) pairs += Math.max(0, p.length - 1);
  const rules = new MergeRules(vocab, pairs);
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    for (let k = 1; k < p.length; k++) rules.add(p.slice(0, k), p.slice(k), ranks[i]!);
  }
  return rules;
}

export class BpeEncoder {
  private readonly merges: MergeTable;
  private readonly byteIds: Int32Array;
  private readonly virtualPieces: string[];
  private readonly cache = new Map<string, number[]>();
  // scratch for the long-word path
  private sym = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private readonly heap = new KeyHeap();

  constructor(
    private readonly vocab: BpeVocabView,
    rules: MergeRules,
    private readonly ignoreMerges: boolean,
  ) {
    this.merges = rules.table;
    this.byteIds = rules.byteIds;
    this.virtualPieces = rules.virtualPieces;
    this.maxPieceBytes = rules.maxPieceLength;
  }

  /** Longest vocab piece (in byte-level characters = bytes): longer pre-tokens cannot be one. */
  private readonly maxPieceBytes: number;

  /** Encode one pre-token, appending ids. */
  encodeWord(word: string, out: number[]): void {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.encodeUncached(word);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      if (word.length < 256) this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
  }

  private encodeUncached(word: string): number[] {
    const bytes = new TextEncoder().encode(word);
    if (this.ignoreMerges && bytes.length <= this.maxPieceBytes) {
      let mapped = "";
      for (let i = 0; i < bytes.length; i++) mapped += BYTE_TO_CHAR[bytes[i]!];
      const id = this.vocab.idOf(mapped);
      if (id !== undefined) return [id];
    }
    const syms: number[] = new Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) syms[i] = this.byteIds[bytes[i]!]!;
    const merged = syms.length < SHORT_WORD ? this.mergeShort(syms) : this.mergeLong(syms);
    return this.resolveVirtual(merged);
  }

  private mergeShort(s: number[]): number[] {
    for (;;) {
      let best = -1, bestRank = 0x7fffffff;
      for (let i = 0; i + 1 < s.length; i++) {
        const slot = this.merges.find(s[i]!, s[i + 1]!);
        if (slot >= 0 && this.merges.rankAt(slot) < bestRank) {
          bestRank = this.merges.rankAt(slot);
          best = i;
        }
      }
      if (best < 0) return s;
      s[best] = this.merges.resultAt(this.merges.find(s[best]!, s[best + 1]!));
      s.splice(best + 1, 1);
    }
  }

  /** Heap of (rank, left position) over a linked list of symbols. Entries are validated
   *  lazily on pop: one is current iff the pair now at its position still has its rank (then
   *  it is the lowest-rank, leftmost pair, whichever entry produced it). */
  private mergeLong(s: number[]): number[] {
    const n = s.length;
    if (this.sym.length < n) {
      this.sym = new Int32Array(n);
      this.next = new Int32Array(n);
      this.prev = new Int32Array(n);
    }
    const { sym, prev, next, heap, merges } = this;
    for (let i = 0; i < n; i++) {
      sym[i] = s[i]!;
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    heap.clear();
    for (let i = 0; i + 1 < n; i++) {
      const slot = merges.find(sym[i]!, sym[i + 1]!);
      if (slot >= 0) heap.push(merges.rankAt(slot) * POS + i);
    }
    while (heap.length > 0) {
      const key = heap.pop();
      const l = key % POS;
      const r = next[l]!;
      if (sym[l]! < 0 || r < 0) continue;
      const slot = merges.find(sym[l]!, sym[r]!);
      if (slot < 0 || merges.rankAt(slot) !== (key - l) / POS) continue; // stale
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
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]!) out.push(sym[i]!);
    return out;
  }

  /** Merge results that are not vocab entries fall back to their single characters' ids. */
  private resolveVirtual(ids: number[]): number[] {
    if (this.virtualPieces.length === 0 || ids.every((id) => id < this.vocab.size)) return ids;
    const out: number[] = [];
    for (const id of ids) {
      if (id < this.vocab.size) out.push(id);
      else for (const ch of this.virtualPieces[id - this.vocab.size]!) {
        const cid = this.vocab.idOf(ch);
        if (cid !== undefined) out.push(cid);
      }
    }
    return out;
  }
}
