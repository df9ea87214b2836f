// Llama 3's ignore_merges: a pre-token whose text is a whole vocab piece is that token, without
// merges. The lookup sits behind a cheap filter, since most pre-tokens are not vocab pieces.

import { CHAR_TO_BYTE } from "./byte-level.js";
import type { Junctions } from "./junctions.js";
import { TokenType } from "./types.js";
import { decodeUtf8Strict } from "./utf8-decode.js";

export class WholeTokens {
  /** The text of every normal vocab piece that is valid UTF-8 → its id. */
  private readonly ids: Map<string, number>;
  private readonly filter: ShapeFilter;
  private splits?: boolean;

  constructor(pieces: readonly string[], types: Uint8Array) {
    this.ids = wholeTokenTexts(pieces, types);
    this.filter = new ShapeFilter(this.ids.keys());
  }

  /** The id of the piece whose text is s[start, end), or -1. */
  find(s: string, start: number, end: number): number {
    if (!this.filter.mayContain(s, start, end)) return -1;
    return this.ids.get(s.slice(start, end)) ?? -1;
  }

  /** Whether some piece's text splits at a junction (then a pre-token that splits may still be
   *  a whole token). Never so for pieces that merges build; computed once. */
  anySplits(junctions: Junctions): boolean {
    if (this.splits === undefined) {
      this.splits = false;
      for (const w of this.ids.keys()) {
        if (junctions.partEnd(w, 0, w.length) < w.length) {
          this.splits = true;
          break;
        }
      }
    }
    return this.splits;
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
    // bytes that are not UTF-8 on their own can never be a whole pre-token
    const text = decodeUtf8Strict(buf, 0, p.length);
    if (text !== undefined) out.set(text, id);
  }
  return out;
}
