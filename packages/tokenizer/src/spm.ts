// SentencePiece-style BPE over scores (llama.cpp `llm_tokenizer_spm`): start from UTF-8
// characters, repeatedly merge the adjacent pair whose concatenation is a vocab piece with the
// highest score (ties: leftmost), then emit each symbol's id, or its bytes as <0xXX> tokens.

import { KeyHeap } from "./heap.js";
import type { IdSink } from "./id-buffer.js";
import { utf8Encode } from "./utf8.js";
import type { Vocab } from "./vocab.js";

const POS = 2 ** 31; // heap key = score rank * POS + left symbol index (exact in a double)
const INV_POS = 1 / POS;

export class SpmEncoder {
  // Symbol list (one entry per character initially), as a doubly linked list over text offsets.
  private start = new Int32Array(0);
  private len = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  // Latest candidate merge at each left symbol: its merged length and score rank. Symbols only
  // grow, so an older candidate never matches the current pair's length.
  private candLen = new Int32Array(0);
  private candRank = new Int32Array(0);
  private count = 0;
  private readonly heap = new KeyHeap();
  /** Token id → rank of its score among all distinct scores, highest score first. */
  private readonly scoreRank: Int32Array;

  constructor(
    private readonly vocab: Vocab,
    /** id of the token for each byte value (<0xXX>, or the 1-char piece), -1 if none */
    private readonly byteIds: Int32Array,
  ) {
    const distinct = [...new Set(vocab.scores)].sort((a, b) => b - a);
    const rankOf = new Map(distinct.map((sc, i) => [sc, i]));
    this.scoreRank = Int32Array.from(vocab.scores, (sc) => rankOf.get(sc) ?? 0);
    if (vocab.scores.length === 0) this.scoreRank = new Int32Array(vocab.size);
  }

  /** Tokenize `text` (already space-escaped with ▁) and append ids to `out`. */
  encode(text: string, out: IdSink): void {
    if (text.length === 0) return;
    this.splitChars(text);
    const { start, len, prev, next, candLen, candRank, heap } = this;
    heap.clear();
    for (let i = 1; i < this.count; i++) this.tryAdd(text, i - 1, i);
    while (heap.length > 0) {
      const key = heap.pop();
      const rank = Math.floor(key * INV_POS);
      const l = key - rank * POS;
      const r = next[l]!;
      if (len[l] === 0 || r < 0 || candRank[l] !== rank || len[l]! + len[r]! !== candLen[l]) continue; // stale
      len[l] = len[l]! + len[r]!;
      len[r] = 0;
      next[l] = next[r]!;
      if (next[r]! >= 0) prev[next[r]!] = l;
      if (prev[l]! >= 0) this.tryAdd(text, prev[l]!, l);
      if (next[l]! >= 0) this.tryAdd(text, l, next[l]!);
    }
    for (let i = 0; i >= 0; i = next[i]!) this.emit(text.slice(start[i]!, start[i]! + len[i]!), out);
  }

  private splitChars(text: string): void {
    const n = text.length;
    if (this.start.length < n) {
      const cap = Math.max(n, this.start.length * 2);
      this.start = new Int32Array(cap);
      this.len = new Int32Array(cap);
      this.prev = new Int32Array(cap);
      this.next = new Int32Array(cap);
      this.candLen = new Int32Array(cap);
      this.candRank = new Int32Array(cap);
    }
    let k = 0;
    for (let i = 0; i < n; k++) {
      const c = text.charCodeAt(i);
      const w = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1; // input is well-formed here
      this.start[k] = i;
      this.len[k] = w;
      this.prev[k] = k - 1;
      this.next[k] = k + 1;
      this.candLen[k] = -1;
      i += w;
    }
    this.next[k - 1] = -1;
    this.count = k;
  }

  private tryAdd(text: string, l: number, r: number): void {
    const s = this.start[l]!;
    const total = this.len[l]! + this.len[r]!;
    const id = this.vocab.idOf(text.slice(s, s + total));
    if (id === undefined) return;
    const rank = this.scoreRank[id]!;
    this.candLen[l] = total;
    this.candRank[l] = rank;
    this.heap.push(rank * POS + l);
  }

  private emit(piece: string, out: IdSink): void {
    const id = this.vocab.idOf(piece);
    if (id !== undefined) {
      out.push(id);
      return;
    }
    // Never merged and not a piece: byte fallback, one token per UTF-8 byte.
    for (const byte of utf8Encode(piece)) {
      const bid = this.byteIds[byte]!;
      if (bid >= 0) out.push(bid);
      else if (this.vocab.special.unk >= 0) out.push(this.vocab.special.unk);
    }
  }
}

/** Byte → token id for SentencePiece vocabs: `<0xXX>`, else the single-character piece. */
export function spmByteIds(vocab: Vocab): Int32Array {
  const ids = new Int32Array(256).fill(-1);
  for (let b = 0; b < 256; b++) {
    const hex = b.toString(16).toUpperCase().padStart(2, "0");
    ids[b] = vocab.idOf(`<0x${hex}>`) ?? (b < 0x80 ? vocab.idOf(String.fromCharCode(b)) ?? -1 : -1);
  }
  return ids;
}
