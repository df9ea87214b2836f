// Where byte-level BPE can split a word without changing its result.
//
// Every symbol the merges build is the concatenation of two symbols, so each pair of adjacent
// bytes inside a symbol was, at some merge, the junction of the two merged pieces (the last
// byte of the left piece, the first byte of the right one). If no merge rule has the byte pair
// (x, y) as its junction, no symbol can ever contain x followed by y: the bytes on either side
// of that place are never merged together, and their merges never depend on each other. So BPE
// of the word is BPE of the part before that place followed by BPE of the part after it.
//
// Random bytes and other unusual text split into a few kinds of recurring parts (runs of
// U+FFFD, control characters, letter runs) that a cache can serve, where whole pre-tokens
// there are almost all unique.

import { CHAR_TO_BYTE } from "./byte-level.js";
import { scalarAt } from "./utf16.js";

export class Junctions {
  /** 1 at x << 8 | y if some merge joins a piece ending in byte x to one starting with y. */
  private readonly joined = new Uint8Array(256 * 256);
  /** False once a rule's junction character was not byte-level text: then never split. */
  private known = true;

  /** Record the junction of a merge of two byte-level pieces. */
  add(left: string, right: string): void {
    const x = byteOf(left.charCodeAt(left.length - 1)), y = byteOf(right.charCodeAt(0));
    if (x < 0 || y < 0) this.known = false;
    else this.joined[(x << 8) | y] = 1;
  }

  /** Whether splitting is possible at all (every rule's junction is known). */
  get usable(): boolean {
    return this.known;
  }

  /** Whether a merge can join a piece ending in byte x to a piece starting with byte y. */
  joins(x: number, y: number): boolean {
    return this.joined[(x << 8) | y] !== 0;
  }

  /** The end of the first part of s[start, end): the index of the first character that no
   *  merge can join to the character before it, or `end`. Lone surrogates count as U+FFFD,
   *  as when the word is encoded. */
  partEnd(s: string, start: number, end: number): number {
    const joined = this.joined;
    let prevLast = -1;
    for (let i = start; i < end; i++) {
      const at = i;
      const c = scalarAt(s, i, end);
      if (c > 0xffff) i++;
      const first = c < 0x80 ? c : c < 0x800 ? 0xc0 | (c >> 6) : c < 0x10000 ? 0xe0 | (c >> 12) : 0xf0 | (c >> 18);
      if (prevLast >= 0 && joined[(prevLast << 8) | first] === 0) return at;
      prevLast = c < 0x80 ? c : 0x80 | (c & 63);
    }
    return end;
  }
}

function byteOf(charCode: number): number {
  return charCode < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[charCode]! : -1;
}
