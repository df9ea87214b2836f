// UTF-8 decoding for the many short strings of a GGUF vocab (tokens, merges). TextDecoder has
// a fixed cost per call that dominates for strings of a few bytes; this decodes well-formed
// short input directly and hands anything else (long or malformed) to TextDecoder, so the
// result is always exactly TextDecoder's (U+FFFD replacement included; or, strict, none).

// ignoreBOM: a GGUF string is data; a leading U+FEFF is kept, not stripped as a byte-order mark.
const lossy = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const SHORT = 64;
const units = new Uint16Array(SHORT);

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** bytes[start, end) (at most SHORT bytes) decoded if well-formed UTF-8, else null. */
function decodeShort(bytes: Uint8Array, start: number, end: number): string | null {
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
    else return null;
    if (i + need >= end) return null; // truncated sequence
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (c & 0x3f);
    }
    // overlong, surrogate or beyond U+10FFFF: malformed
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return null;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[n++] = 0xd800 + (cp >> 10);
      units[n++] = 0xdc00 + (cp & 0x3ff);
    } else units[n++] = cp;
    i += need + 1;
  }
  return String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
}

/** As TextDecoder (lossy: malformed bytes become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  return (end - start <= SHORT ? decodeShort(bytes, start, end) : null) ?? lossy.decode(bytes.subarray(start, end));
}

/** As a fatal TextDecoder, but undefined instead of an exception for malformed bytes (a vocab has
 *  thousands of byte-level pieces that are not UTF-8 on their own: an exception each is slow). */
export function decodeUtf8Strict(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start <= SHORT) return decodeShort(bytes, start, end) ?? undefined;
  try {
    return strict.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}
