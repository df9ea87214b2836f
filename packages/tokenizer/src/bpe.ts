// Byte-level BPE for one pre-token at a time: its UTF-8 bytes become byte-level symbols, which
// SymbolMerger merges by rank. Results are cached per pre-token; with ignore_merges, a
// pre-token that is a whole vocab piece is emitted directly. A pre-token not in the cache is
// split where no merge can join its characters (see junctions.ts), and its parts are cached
// too: unusual text (random bytes) has few distinct parts but mostly unique pre-tokens.

import { CHAR_TO_BYTE } from "./byte-level.js";
import type { BpeVocabView, MergeRules } from "./merge-rules.js";
import { SymbolMerger } from "./symbol-merger.js";
import { TokenType } from "./types.js";
import { IdCache, MAX_CACHED_WORD, wordHash } from "./id-cache.js";
import type { Junctions } from "./junctions.js";
import { IdBuffer } from "./id-buffer.js";

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
    if (ignoreMerges) {
      this.wholeTokens = wholeTokenTexts(vocab.pieces, vocab.types);
      this.wholeFilter = new ShapeFilter(this.wholeTokens.keys());
    }
  }

  /** ignore_merges: the text of every vocab piece that is valid UTF-8 → its id. A pre-token
   *  found here is emitted as is (a lookup keyed by the pre-token string itself). */
  private readonly wholeTokens?: Map<string, number>;
  /** Cheap pre-check for wholeTokens: most pre-tokens that are not vocab pieces fail it
   *  without a probe of the large map. */
  private readonly wholeFilter?: ShapeFilter;

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
    if (cut < end && !this.splitWholeTokens()) {
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

  private hasSplitWholeTokens?: boolean;

  /** ignore_merges: whether some whole-token text splits at a junction (then a word that
   *  splits may still be a whole token). Never so for tokens that merges build. */
  private splitWholeTokens(): boolean {
    if (this.hasSplitWholeTokens === undefined) {
      this.hasSplitWholeTokens = false;
      for (const w of this.wholeTokens?.keys() ?? []) {
        if (this.partEnd(w, 0, w.length) < w.length) {
          this.hasSplitWholeTokens = true;
          break;
        }
      }
    }
    return this.hasSplitWholeTokens;
  }

  private wholeTokenOrMerge(s: string, start: number, end: number): number[] {
    if (this.wholeFilter?.mayContain(s, start, end)) {
      const whole = this.wholeTokens!.get(s.slice(start, end));
      if (whole !== undefined) return [whole];
    }
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
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        out[n++] = ids[c]!;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
        } else c = 0xfffd;
      }
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


/** A bit set over (length, first unit, last unit) of a set of strings: `mayContain` is false
 *  only for strings not in the set. */
class ShapeFilter {
  private static readonly BITS = 1 << 20;
  private readonly bits = new Uint32Array(ShapeFilter.BITS >>> 5);

  constructor(words: Iterable<string>) {
    for (const w of words) {
      const h = ShapeFilter.hash(w);
      this.bits[h >>> 5]! |= 1 << (h & 31);
    }
  }

  private static hash(w: string, start = 0, end = w.length): number {
    const h = Math.imul(w.charCodeAt(start) ^ Math.imul(end - start, 0x9e3779b1), 0x85ebca77) ^ Math.imul(w.charCodeAt(end - 1), 0xc2b2ae3d);
    return (h ^ (h >>> 13)) & (ShapeFilter.BITS - 1);
  }

  /** Whether the string s[start, end) may be in the set. */
  mayContain(s: string, start: number, end: number): boolean {
    const h = ShapeFilter.hash(s, start, end);
    return (this.bits[h >>> 5]! & (1 << (h & 31))) !== 0;
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
