// UTF-8 helpers that work identically in Node and browsers.

const encoder = new TextEncoder();

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Lossy decode: invalid sequences become U+FFFD. */
const lossy = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
export function utf8Decode(bytes: Uint8Array): string {
  return lossy.decode(bytes);
}

/** Concatenate byte chunks into one array. */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
