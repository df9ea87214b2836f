// Splits text around special-token text before the model sees it. User-defined tokens are
// always matched; control/unknown tokens only with parseSpecial (llama.cpp's rule).
// At each position the longest matching token wins.

import { TokenType } from "./types.js";
import type { Vocab } from "./vocab.js";

/** A piece of input: either raw text to tokenize, or an id that was matched verbatim. */
export type Fragment = string | number;

function escapeRegex(s: string): string {
  // Only syntax characters and "/" may be escaped in a u-mode regex ("\\-" is an error there).
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export class SpecialSplitter {
  private readonly always: RegExp | null;
  private readonly withSpecial: RegExp | null;
  private readonly ids = new Map<string, number>();

  constructor(vocab: Vocab) {
    const userDefined: string[] = [];
    const all: string[] = [];
    for (let id = 0; id < vocab.size; id++) {
      const t = vocab.types[id];
      const piece = vocab.pieces[id]!;
      if (piece.length === 0) continue;
      if (t === TokenType.USER_DEFINED) userDefined.push(piece);
      if (t === TokenType.USER_DEFINED || t === TokenType.CONTROL || t === TokenType.UNKNOWN) {
        all.push(piece);
        if (!this.ids.has(piece)) this.ids.set(piece, id);
      }
    }
    this.always = build(userDefined);
    this.withSpecial = build(all);
  }

  split(text: string, parseSpecial: boolean): Fragment[] {
    const re = parseSpecial ? this.withSpecial : this.always;
    if (re === null) return [text];
    const out: Fragment[] = [];
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(this.ids.get(m[0])!);
      last = m.index + m[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
}

function build(pieces: string[]): RegExp | null {
  if (pieces.length === 0) return null;
  const sorted = [...new Set(pieces)].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegex).join("|"), "gu");
}
