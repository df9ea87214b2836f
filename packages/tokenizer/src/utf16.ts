// Reading Unicode scalar values out of UTF-16 text, the way encode() turns text into UTF-8 bytes.

/** The scalar value at s[i] (a surrogate pair inside [i, end) read whole; a lone surrogate is
 *  U+FFFD). The caller advances by 2 when the result is above 0xFFFF, else by 1. */
export function scalarAt(s: string, i: number, end: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
  return c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000 : 0xfffd;
}
