// TextModel for byte-level BPE (`tokenizer.ggml.model = gpt2`) vocabs.

import { BpeEncoder } from "./bpe.js";
import type { IdBuffer } from "./id-buffer.js";
import type { MergeRules } from "./merge-rules.js";
import { byteLevelToBytes } from "./byte-level.js";
import { PreTokenizer, type PreTokenizerSpec } from "./pretokenize.js";
import type { TextModel } from "./tokenizer.js";
import type { Vocab } from "./vocab.js";

export class BpeTextModel implements TextModel {
  readonly stripsLeadingSpace = false;
  private readonly encoder: BpeEncoder;
  private readonly pre: PreTokenizer;

  constructor(private readonly vocab: Vocab, rules: MergeRules, spec: PreTokenizerSpec) {
    this.encoder = new BpeEncoder(vocab, rules, spec.ignoreMerges);
    this.pre = new PreTokenizer(spec);
  }

  encodeFragment(text: string, out: IdBuffer): void {
    this.pre.forEachRange(text, (s, start, end) => this.encoder.encodeWord(s, start, end, out));
  }

  tokenBytes(id: number): Uint8Array {
    return byteLevelToBytes(this.vocab.pieces[id]!);
  }
}
