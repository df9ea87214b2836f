// TextModel for SentencePiece (`tokenizer.ggml.model = llama`) vocabs.

import { SpmEncoder, spmByteIds } from "./spm.js";
import type { TextModel } from "./tokenizer.js";
import { TokenType } from "./types.js";
import { utf8Encode } from "./utf8.js";
import type { Vocab } from "./vocab.js";

const ESCAPED_SPACE = "\u2581"; // ▁

export class SpmTextModel implements TextModel {
  readonly stripsLeadingSpace: boolean;
  private readonly encoder: SpmEncoder;

  constructor(
    private readonly vocab: Vocab,
    /** `tokenizer.ggml.add_space_prefix` (default true) */
    private readonly addSpacePrefix: boolean,
  ) {
    this.encoder = new SpmEncoder(vocab, spmByteIds(vocab));
    this.stripsLeadingSpace = addSpacePrefix;
  }

  encodeFragment(text: string, out: number[], afterSpecial: boolean): void {
    const prefixed = this.addSpacePrefix && afterSpecial ? " " + text : text;
    this.encoder.encode(prefixed.replaceAll(" ", ESCAPED_SPACE), out);
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
