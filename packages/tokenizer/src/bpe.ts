// Byte-level BPE for one pre-token at a time: its UTF-8 bytes become byte-level symbols, which
// SymbolMerger merges by rank. Results are cached per pre-token; with ignore_merges, a
// pre-token that is a whole vocab piece is emitted directly. A pre-token not in the cache is
// split where no merge can join its characters (see junctions.ts), and its parts are cached
// too: unusual text (random bytes) has few distinct parts but mostly unique pre-tokens.

import type { BpeVocabView, MergeRules } from "./merge-rules.js";
import { SymbolMerger } from "./symbol-merger.js";
import { IdCache, MAX_CACHED_WORD, wordHash } from "./id-cache.js";
import type { Junctions } from "./junctions.js";
import { IdBuffer } from "./id-buffer.js";
import { WholeTokens } from "./whole-tokens.js";
import { scalarAt } from "./utf16.js";

const UNKNOWN = -1, SEVERAL = -2;

export class BpeEncoder {
  private readonly byteIds: Int32Array;
  private readonly virtualPieces: string[];
  private readonly cache = new IdCache();
  /** Ids of the parts of pre-tokens split at junctions (pure merges, no whole-token rule). */
  private readonly parts = new IdCache();
  private readonly junctions?: Junctions;
  private readonly merger: SymbolMerger;
  /** Ids of each one-UTF-16-unit pre-token, by code unit, filled on first use: no hashing. */
  private readonly single: (number[] | undefined)[] = new Array(0x10000);
  /** The id of each one-code-unit part that merges into one token, by code unit (UNKNOWN: not
   *  yet merged, SEVERAL: more than one token, then from the part cache). */
  private readonly singlePart = new Int32Array(0x10000).fill(UNKNOWN);

  constructor(
    private readonly vocab: BpeVocabView,
    rules: MergeRules,
    ignoreMerges: boolean,
  ) {
    this.byteIds = rules.byteIds;
    this.virtualPieces = rules.virtualPieces;
    this.merger = new SymbolMerger(rules.table, rules.maxRank);
    if (rules.junctions.usable) this.junctions = rules.junctions;
    if (ignoreMerges) this.wholeTokens = new WholeTokens(vocab.pieces, vocab.types);
  }

  /** ignore_merges: pre-tokens that are a whole vocab piece are that token. */
  private readonly wholeTokens?: WholeTokens;

  /** Encode one pre-token, the range [start, end) of `s`, appending ids. */
  encodeWord(s: string, start: number, end: number, out: IdBuffer): void {
    const len = end - start;
    if (len === 1) {
      const c = s.charCodeAt(start);
      const ids = this.single[c] ?? (this.single[c] = this.wholeTokenOrMerge(s, start, end));
      if (ids.length === 1) out.push(ids[0]!);
      else out.pushAll(ids);
      return;
    }
    if (len >= MAX_CACHED_WORD) {
      out.pushAll(this.wholeTokenOrMerge(s, start, end));
      return;
    }
    const hash = wordHash(s, start, end);
    if (this.cache.emit(s, start, end, hash, out)) return;
    const cut = this.partEnd(s, start, end);
    if (cut < end && !this.wholeTokens?.anySplits(this.junctions!)) {
      // Not cached whole: its parts are. (Random bytes: most such words are unique, their
      // parts few, and a smaller word cache stays in the CPU caches.)
      this.appendParts(s, start, cut, end, out);
      return;
    }
    const ids = this.wholeTokenOrMerge(s, start, end);
    this.cache.add(s, start, end, hash, ids);
    out.pushAll(ids);
  }

  /** The end of the first part of s[start, end) between junctions (see junctions.ts). */
  private partEnd(s: string, start: number, end: number): number {
    return this.junctions === undefined ? end : this.junctions.partEnd(s, start, end);
  }

  private wholeTokenOrMerge(s: string, start: number, end: number): number[] {
    const whole = this.wholeTokens?.find(s, start, end) ?? -1;
    if (whole >= 0) return [whole];
    return this.encodeUncached(s, start, end);
  }

  /** BPE of s[start, end): of each part between junctions no merge crosses, in turn. */
  private encodeUncached(s: string, start: number, end: number): number[] {
    const cut = this.partEnd(s, start, end);
    if (cut === end) return this.mergePart(s, start, end);
    const out = new IdBuffer();
    this.appendParts(s, start, cut, end, out);
    return out.toArray();
  }

  /** Append the ids of the parts of s[start, end), the first of which ends at `cut`. */
  private appendParts(s: string, start: number, cut: number, end: number, out: IdBuffer): void {
    for (let a = start; ; a = cut, cut = this.partEnd(s, a, end)) {
      this.appendPart(s, a, cut, out);
      if (cut === end) return;
    }
  }

  /** Append the ids of the part s[start, end), from the part cache or merged. */
  private appendPart(s: string, start: number, end: number, out: IdBuffer): void {
    if (end - start === 1) {
      const c = s.charCodeAt(start);
      let id = this.singlePart[c]!;
      if (id === UNKNOWN) {
        const ids = this.mergePart(s, start, end);
        id = this.singlePart[c] = ids.length === 1 ? ids[0]! : SEVERAL;
      }
      if (id !== SEVERAL) {
        out.push(id);
        return;
      }
    }
    if (end - start >= MAX_CACHED_WORD) {
      out.pushAll(this.mergePart(s, start, end));
      return;
    }
    const hash = wordHash(s, start, end);
    if (this.parts.emit(s, start, end, hash, out)) return;
    const ids = this.mergePart(s, start, end);
    this.parts.add(s, start, end, hash, ids);
    out.pushAll(ids);
  }

  /** Merge the bytes of s[start, end) (no split, no cache). */
  private mergePart(s: string, start: number, end: number): number[] {
    return this.resolveVirtual(this.merger.merge(this.loadBytes(s, start, end)));
  }

  /** The byte symbols (ids) of the UTF-8 bytes of s[start, end) into merger.sym[0..n);
   *  returns n. (Lone surrogates become U+FFFD.) */
  private loadBytes(s: string, start: number, end: number): number {
    this.merger.reserve((end - start) * 3);
    const out = this.merger.sym;
    const ids = this.byteIds;
    let n = 0;
    for (let i = start; i < end; i++) {
      const c = scalarAt(s, i, end);
      if (c < 0x80) {
        out[n++] = ids[c]!;
        continue;
      }
      if (c > 0xffff) i++;
      if (c < 0x800) {
        out[n++] = ids[0xc0 | (c >> 6)]!;
      } else if (c < 0x10000) {
        out[n++] = ids[0xe0 | (c >> 12)]!;
        out[n++] = ids[0x80 | ((c >> 6) & 63)]!;
      } else {
        out[n++] = ids[0xf0 | (c >> 18)]!;
        out[n++] = ids[0x80 | ((c >> 12) & 63)]!;
        out[n++] = ids[0x80 | ((c >> 6) & 63)]!;
      }
      out[n++] = ids[0x80 | (c & 63)]!;
    }
    return n;
  }


  /** Merge results that are not vocab entries fall back to their single characters' ids. */
  private resolveVirtual(ids: number[]): number[] {
    if (this.virtualPieces.length === 0) return ids;
    let virtual = false;
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= this.vocab.size) virtual = true;
    if (!virtual) return ids;
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
