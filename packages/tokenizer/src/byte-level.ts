// GPT-2's reversible byte <-> printable-character mapping used by byte-level BPE vocabs:
// printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100.. in byte order.

import { utf8Encode } from "./utf8.js";

export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = String.fromCharCode(printable ? b : 0x100 + n++);
  }
  return out;
})();

/** char code → byte, -1 for characters outside the mapping. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const out = new Int16Array(0x144).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => (out[c.charCodeAt(0)] = b));
  return out;
})();

/** Undo the mapping; characters outside it are kept as their UTF-8 bytes. */
export function byteLevelToBytes(piece: string): Uint8Array {
  const out: number[] = [];
  for (const ch of piece) {
    const c = ch.codePointAt(0)!;
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c]! : -1;
    if (b >= 0) out.push(b);
    else for (const x of utf8Encode(ch)) out.push(x);
  }
  return Uint8Array.from(out);
}
