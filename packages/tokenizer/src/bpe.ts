// Byte-level BPE over merge ranks for one pre-token at a time: start from one symbol per UTF-8
// byte, repeatedly merge the adjacent pair with the lowest rank (ties: leftmost). Short words
// use a direct scan; long ones (pathological input) rank buckets or a heap over a linked list,
// so the cost stays O(n log n). Results are cached per pre-token.

import { BYTE_TO_CHAR, CHAR_TO_BYTE } from "./byte-level.js";
import { KeyHeap } from "./heap.js";
import { MergeTable } from "./merge-table.js";
import { TokenizerError } from "./errors.js";
import { TokenType } from "./types.js";
import { pushAll, WordCache } from "./word-cache.js";

const SHORT_WORD = 64; // symbols; below this the direct scan beats the bucket queue
const POS = 2 ** 31; // heap key = rank * POS + position (exact in a double)
const INV_POS = 1 / POS;
const NO_MERGE = 0x7fffffff;

export interface BpeVocabView {
  readonly size: number;
  readonly pieces: readonly string[];
  readonly types: Uint8Array;
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
    this.table = new MergeTable(capacity, (a, b) => this.idOrVirtual(this.pieceOf(a) + this.pieceOf(b)));
    for (let b = 0; b < 256; b++) this.byteIds[b] = this.idOrVirtual(BYTE_TO_CHAR[b]!);
  }

  maxRank = 0;

  /** Add a merge of two vocab pieces; pairs whose inputs are not in the vocab can never apply.
   *  `result` is the merged piece's id when the caller knows it; otherwise it is looked up
   *  the first time the merge is used (most merges never are, and loading stays fast). */
  add(left: string, right: string, rank: number, result = -1): void {
    const a = this.vocab.idOf(left), b = this.vocab.idOf(right);
    if (a === undefined || b === undefined) return;
    if (rank > this.maxRank) this.maxRank = rank;
    this.table.add(a, b, rank, result);
  }

  private pieceOf(id: number): string {
    return id < this.vocab.size ? this.vocab.pieces[id]! : this.virtualPieces[id - this.vocab.size]!;
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
    const id = vocab.idOf(p)!;
    for (let k = 1; k < p.length; k++) rules.add(p.slice(0, k), p.slice(k), ranks[i]!, id);
  }
  return rules;
}

export class BpeEncoder {
  private readonly merges: MergeTable;
  private readonly byteIds: Int32Array;
  private readonly virtualPieces: string[];
  private readonly cache = new WordCache();
  // scratch for the long-word path
  private sym = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private readonly heap = new KeyHeap();
  // mergeBuckets: per rank, the first and last entry of its list (-1: empty), and the pool.
  private readonly bucketHead: Int32Array;
  private readonly bucketTail: Int32Array;
  private entryPos = new Int32Array(0);
  private entryNext = new Int32Array(0);
  private bucketList = new Int32Array(0);

  constructor(
    private readonly vocab: BpeVocabView,
    rules: MergeRules,
    ignoreMerges: boolean,
  ) {
    this.merges = rules.table;
    this.byteIds = rules.byteIds;
    this.virtualPieces = rules.virtualPieces;
    this.bucketHead = new Int32Array(rules.maxRank + 1).fill(-1);
    this.bucketTail = new Int32Array(rules.maxRank + 1);
    if (ignoreMerges) this.wholeTokens = wholeTokenTexts(vocab.pieces, vocab.types);
  }

  /** ignore_merges: the text of every vocab piece that is valid UTF-8 → its id. A pre-token
   *  found here is emitted as is (a lookup keyed by the pre-token string itself). */
  private readonly wholeTokens?: Map<string, number>;

  /** Encode one pre-token, appending ids. */
  encodeWord(word: string, out: number[]): void {
    if (word.length === 1) {
      // One UTF-16 unit: at most 3 bytes, cheaper to merge than to look up in the cache.
      const c = word.charCodeAt(0);
      const id = c < 0x80 ? this.byteIds[c]! : -1;
      if (id >= 0 && id < this.vocab.size) out.push(id);
      else pushAll(out, this.wholeTokenOrMerge(word));
      return;
    }
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.wholeTokenOrMerge(word);
      this.cache.set(word, ids);
    }
    pushAll(out, ids);
  }

  private wholeTokenOrMerge(word: string): number[] {
    const whole = this.wholeTokens?.get(word);
    return whole !== undefined ? [whole] : this.encodeUncached(word);
  }

  private encodeUncached(word: string): number[] {
    const n = this.loadBytes(word);
    const sym = this.sym;
    for (let i = 0; i < n; i++) sym[i] = this.byteIds[sym[i]!]!;
    const merged = n < SHORT_WORD ? this.mergeShort(n) : this.mergeLong(n);
    return this.resolveVirtual(merged);
  }

  /** UTF-8 bytes of `word` into this.sym[0..n); returns n. (Lone surrogates become U+FFFD.) */
  private loadBytes(word: string): number {
    if (this.sym.length < word.length * 3) this.grow(word.length * 3);
    const out = this.sym;
    let n = 0;
    for (let i = 0; i < word.length; i++) {
      let c = word.charCodeAt(i);
      if (c < 0x80) {
        out[n++] = c;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < word.length ? word.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
        } else c = 0xfffd;
      }
      if (c < 0x800) {
        out[n++] = 0xc0 | (c >> 6);
      } else if (c < 0x10000) {
        out[n++] = 0xe0 | (c >> 12);
        out[n++] = 0x80 | ((c >> 6) & 63);
      } else {
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 63);
        out[n++] = 0x80 | ((c >> 6) & 63);
      }
      out[n++] = 0x80 | (c & 63);
    }
    return n;
  }

  private grow(n: number): void {
    const cap = Math.max(n, this.sym.length * 2, 256);
    this.sym = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.next = new Int32Array(cap);
  }

  /** Direct scan for short words, remembering each adjacent pair's rank so a merge only
   *  looks up its two new neighbours. */
  private readonly pairRank = new Int32Array(SHORT_WORD);
  private readonly pairResult = new Int32Array(SHORT_WORD);

  private mergeShort(n: number): number[] {
    const { sym, pairRank: rank, pairResult: res, merges } = this;
    const setPair = (i: number): void => {
      const slot = merges.find(sym[i]!, sym[i + 1]!);
      rank[i] = slot >= 0 ? merges.rankAt(slot) : NO_MERGE;
      res[i] = slot >= 0 ? merges.resultAt(slot) : -1;
    };
    for (let i = 0; i + 1 < n; i++) setPair(i);
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
      if (best > 0) setPair(best - 1);
      if (best + 1 < n) setPair(best);
    }
    return Array.from(sym.subarray(0, n));
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


/** Normal (and untyped) pieces only: special-token text must stay plain text unless parseSpecial. */
function wholeTokenTexts(pieces: readonly string[], types: Uint8Array): Map<string, number> {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const out = new Map<string, number>();
  let buf = new Uint8Array(256);
  for (let id = 0; id < pieces.length; id++) {
    if (types[id] !== TokenType.NORMAL && types[id] !== TokenType.UNDEFINED) continue;
    const p = pieces[id]!;
    if (buf.length < p.length) buf = new Uint8Array(p.length * 2);
    let ok = true;
    for (let i = 0; i < p.length && ok; i++) {
      const c = p.charCodeAt(i);
      const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c]! : -1;
      if (b < 0) ok = false; // not byte-level text (e.g. an added token): never a mapped pre-token
      else buf[i] = b;
    }
    if (!ok) continue;
    try {
      out.set(strict.decode(buf.subarray(0, p.length)), id);
    } catch {
      // bytes that are not UTF-8 on their own can never be a whole pre-token
    }
  }
  return out;
}
