// UTF-8 decoding for the many short strings of a GGUF vocab (tokens, merges). TextDecoder has
// a fixed cost per call that dominates for strings of a few bytes; this decodes well-formed
// short input directly and hands anything else (long or malformed) to TextDecoder, so the
// result is always exactly TextDecoder's (U+FFFD replacement included).

// ignoreBOM: a GGUF string is data; a leading U+FEFF is kept, not stripped as a byte-order mark.
const lossy = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const SHORT = 64;
const units = new Uint16Array(SHORT);

export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > SHORT) return lossy.decode(bytes.subarray(start, end));
  let n = 0;
  for (let i = start; i < end; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      units[n++] = b;
      i++;
      continue;
    }
    let cp: number, need: number, min: number;
    if (b >= 0xc2 && b <= 0xdf) { cp = b & 0x1f; need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { cp = b & 0x0f; need = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { cp = b & 0x07; need = 3; min = 0x10000; }
    else return lossy.decode(bytes.subarray(start, end));
    if (i + need >= end) return lossy.decode(bytes.subarray(start, end)); // truncated sequence
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return lossy.decode(bytes.subarray(start, end));
      cp = (cp << 6) | (c & 0x3f);
    }
    // overlong, surrogate or beyond U+10FFFF: malformed
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return lossy.decode(bytes.subarray(start, end));
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[n++] = 0xd800 + (cp >> 10);
      units[n++] = 0xdc00 + (cp & 0x3ff);
    } else units[n++] = cp;
    i += need + 1;
  }
  return String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
}
