// TextModel for SentencePiece (`tokenizer.ggml.model = llama`) vocabs.

import { SpmEncoder, spmByteIds } from "./spm.js";
import type { TextModel } from "./tokenizer.js";
import { TokenType } from "./types.js";
import { utf8Encode } from "./utf8.js";
import type { IdBuffer } from "./id-buffer.js";
import { WordCache } from "./word-cache.js";
import type { Vocab } from "./vocab.js";

const ESCAPED_SPACE = "\u2581"; // ▁

export class SpmTextModel implements TextModel {
  readonly stripsLeadingSpace: boolean;
  private readonly encoder: SpmEncoder;

  /** Whether the text may be cut before every ▁ that follows another character (see below). */
  private readonly splitWords: boolean;
  private readonly cache = new WordCache();

  constructor(
    private readonly vocab: Vocab,
    /** `tokenizer.ggml.add_space_prefix` (default true) */
    private readonly addSpacePrefix: boolean,
  ) {
    this.encoder = new SpmEncoder(vocab, spmByteIds(vocab));
    this.stripsLeadingSpace = addSpacePrefix;
    // Merges only ever join adjacent symbols into vocab pieces. If no piece contains ▁ right
    // after another character (true of Llama and stories260K vocabs), no symbol can span such
    // a position, so the words between them are tokenized independently: exactly, and cacheably.
    this.splitWords = !vocab.pieces.some((p) => /[^\u2581]\u2581/.test(p));
  }

  encodeFragment(text: string, out: IdBuffer, afterSpecial: boolean): void {
    const prefixed = this.addSpacePrefix && afterSpecial ? " " + text : text;
    const escaped = prefixed.replaceAll(" ", ESCAPED_SPACE);
    if (!this.splitWords) {
      this.encoder.encode(escaped, out);
      return;
    }
    let start = 0;
    for (let i = 1; i <= escaped.length; i++) {
      if (i < escaped.length && (escaped.charCodeAt(i) !== 0x2581 || escaped.charCodeAt(i - 1) === 0x2581)) continue;
      const word = escaped.slice(start, i);
      let ids = this.cache.get(word);
      if (ids === undefined) {
        ids = [];
        this.encoder.encode(word, ids);
        this.cache.set(word, ids);
      }
      out.pushAll(ids);
      start = i;
    }
  }

  tokenBytes(id: number): Uint8Array {
    const piece = this.vocab.pieces[id]!;
    if (this.vocab.types[id] === TokenType.BYTE) {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      if (m) return Uint8Array.of(parseInt(m[1]!, 16));
    }
    return utf8Encode(piece.replaceAll(ESCAPED_SPACE, " "));
  }
}
