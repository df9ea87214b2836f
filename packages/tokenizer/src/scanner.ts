// Hand-written equivalents of the GPT-2, Llama 3 and Qwen2 split regexes (see pretokenize.ts).
// They produce exactly the pieces of the regexes (the tests compare them on random text), but
// classify each character once instead of re-running alternatives, and allocate no match objects.

const OTHER = 1, LETTER = 2, NUMBER = 3, SPACE = 4, NEWLINE = 5; // NEWLINE: \r or \n (also white space)

const RE_L = /\p{L}/u, RE_N = /\p{N}/u, RE_WS = /\p{White_Space}/u;
let table: Uint8Array | undefined; // code point → class, filled lazily (0 = not yet known)

function classify(cp: number): number {
  if (cp === 10 || cp === 13) return NEWLINE;
  const ch = String.fromCodePoint(cp);
  return RE_L.test(ch) ? LETTER : RE_N.test(ch) ? NUMBER : RE_WS.test(ch) ? SPACE : OTHER;
}

function classOf(cp: number): number {
  if (table === undefined) {
    table = new Uint8Array(0x110000);
    for (let c = 0; c < 128; c++) table[c] = classify(c);
  }
  const k = table[cp]!;
  if (k !== 0) return k;
  return (table[cp] = classify(cp));
}

const APOSTROPHE = 0x27, SP = 0x20;

/** Receives each piece as the range [start, end) of the scanned text (no substring made). */
export type PieceSink = (text: string, start: number, end: number) => void;

/** Code point at i (a lone surrogate stands for itself; encode() has replaced those anyway). */
function cpAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}
const width = (cp: number): number => (cp > 0xffff ? 2 : 1);
const clsAt = (s: string, i: number): number => (i < s.length ? classOf(cpAt(s, i)) : 0);

function skipClass(s: string, i: number, k: number): number {
  while (i < s.length) {
    const cp = cpAt(s, i);
    if (classOf(cp) !== k) break;
    i += width(cp);
  }
  return i;
}

/** Length of a contraction at i ('s 't 're 've 'm 'll 'd), 0 if none. */
function contraction(s: string, i: number, caseInsensitive: boolean): number {
  if (s.charCodeAt(i) !== APOSTROPHE || i + 1 >= s.length) return 0;
  let a = s.charCodeAt(i + 1), b = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
  if (caseInsensitive) {
    if (a >= 0x41 && a <= 0x5a) a += 32;
    if (b >= 0x41 && b <= 0x5a) b += 32;
  }
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return 2; // s t m d
  if ((a === 0x72 || a === 0x76) && b === 0x65) return 3; // re ve
  if (a === 0x6c && b === 0x6c) return 3; // ll
  return 0;
}

/** End of a white-space run starting at i, and where its last \r or \n ends (-1 if none). */
function whitespace(s: string, i: number): [end: number, afterLastNewline: number] {
  let j = i, nl = -1;
  while (j < s.length) {
    const cp = cpAt(s, j);
    const k = classOf(cp);
    if (k !== SPACE && k !== NEWLINE) break;
    j += width(cp);
    if (k === NEWLINE) nl = j;
  }
  return [j, nl];
}

/** \s+(?!\S)|\s+ on the run [i, end): all of it at the end of text or if it is one character,
 *  otherwise all but its last character (which then joins the next piece). */
function spaceRun(s: string, i: number, end: number): number {
  if (end >= s.length || end - i === 1) return end;
  return end - 1; // white space is never a surrogate pair
}

/** Llama 3 (digits = 3) and Qwen2 (digits = 1). */
export function scanLlama3(s: string, maxDigits: number, emit: PieceSink): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const cp = cpAt(s, i);
    const k = classOf(cp);
    const c = contraction(s, i, true);
    if (c > 0) {
      i += c;
    } else if (k === LETTER) {
      i = skipClass(s, i, LETTER);
    } else if (k !== NEWLINE && k !== NUMBER && clsAt(s, i + width(cp)) === LETTER) {
      i = skipClass(s, i + width(cp), LETTER); // [^\r\n\p{L}\p{N}]?\p{L}+
    } else if (k === NUMBER) {
      i += width(cp);
      for (let d = 1; d < maxDigits && i < n; d++) {
        const cp2 = cpAt(s, i);
        if (classOf(cp2) !== NUMBER) break;
        i += width(cp2);
      }
    } else if (k === OTHER || (cp === SP && clsAt(s, i + 1) === OTHER)) {
      i = skipClass(s, cp === SP ? i + 1 : i, OTHER); // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
      while (i < n && (s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13)) i++;
    } else {
      const [end, afterNl] = whitespace(s, i);
      i = afterNl > 0 ? afterNl : spaceRun(s, i, end); // \s*[\r\n]+ | \s+(?!\S) | \s+
    }
    emit(s, start, i);
  }
}

/** GPT-2. */
export function scanGpt2(s: string, emit: PieceSink): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const cp = cpAt(s, i);
    let k = classOf(cp);
    const c = contraction(s, i, false);
    if (c > 0) {
      i += c;
    } else {
      let j = i;
      if (cp === SP) {
        const k2 = clsAt(s, i + 1);
        if (k2 === LETTER || k2 === NUMBER || k2 === OTHER) {
          k = k2;
          j = i + 1;
        }
      }
      if (k === LETTER || k === NUMBER || k === OTHER) {
        i = skipClass(s, j, k); // ' ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+'
      } else {
        const [end] = whitespace(s, i);
        i = spaceRun(s, i, end);
      }
    }
    emit(s, start, i);
  }
}
