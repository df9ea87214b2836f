// The Tokenizer implementation shared by both models: special-token splitting, BOS/EOS,
// decoding and streaming. The model-specific part (text → ids, id → bytes) is a TextModel.

import { IdBuffer } from "./id-buffer.js";
import { SpecialSplitter } from "./special.js";
import type {
  DecodeOptions, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer, TokenizerModel,
} from "./types.js";
import { TokenType } from "./types.js";
import type { Vocab } from "./vocab.js";

export interface TextModel {
  /** Tokenize one fragment of raw text (no special tokens inside) and append to `out`.
   *  `afterSpecial` is true at the start of input and right after a special token. */
  encodeFragment(text: string, out: IdBuffer, afterSpecial: boolean): void;
  /** The bytes a (non-special) token decodes to. */
  tokenBytes(id: number): Uint8Array;
  /** Whether decode removes one leading space by default (SentencePiece space prefix). */
  readonly stripsLeadingSpace: boolean;
}

export interface TokenizerConfig {
  model: TokenizerModel;
  preTokenizer: string;
  vocab: Vocab;
  textModel: TextModel;
  addBos: boolean;
  addEos: boolean;
}

const encoder = new TextEncoder();
const SPACE = 0x20;

/** Replace lone UTF-16 surrogates by U+FFFD so every model sees well-formed text. */
function wellFormed(text: string): string {
  const s = text as string & { isWellFormed?: () => boolean; toWellFormed?: () => string };
  if (typeof s.isWellFormed === "function") return s.isWellFormed() ? text : s.toWellFormed!();
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

export class TokenizerImpl implements Tokenizer {
  readonly model: TokenizerModel;
  readonly preTokenizer: string;
  readonly vocabSize: number;
  readonly bos: number;
  readonly eos: number;
  readonly eot: number;
  readonly unk: number;
  readonly pad: number;
  readonly addBosDefault: boolean;
  readonly addEosDefault: boolean;
  private readonly vocab: Vocab;
  private readonly textModel: TextModel;
  private readonly splitter: SpecialSplitter;
  private readonly bytesCache: (Uint8Array | undefined)[];
  private readonly utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  constructor(cfg: TokenizerConfig) {
    this.model = cfg.model;
    this.preTokenizer = cfg.preTokenizer;
    this.vocab = cfg.vocab;
    this.textModel = cfg.textModel;
    this.vocabSize = cfg.vocab.size;
    ({ bos: this.bos, eos: this.eos, eot: this.eot, unk: this.unk, pad: this.pad } = cfg.vocab.special);
    this.addBosDefault = cfg.addBos;
    this.addEosDefault = cfg.addEos;
    this.splitter = new SpecialSplitter(cfg.vocab);
    this.bytesCache = new Array(cfg.vocab.size);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const addBos = options.addBos ?? this.addBosDefault;
    const addEos = options.addEos ?? this.addEosDefault;
    const out = new IdBuffer((text.length >> 1) + 16);
    if (addBos && this.bos >= 0) out.push(this.bos);
    if (text.length > 0) {
      let afterSpecial = true;
      for (const frag of this.splitter.split(wellFormed(text), options.parseSpecial ?? false)) {
        if (typeof frag === "number") {
          out.push(frag);
          afterSpecial = true;
        } else {
          this.textModel.encodeFragment(frag, out, afterSpecial);
          afterSpecial = false;
        }
      }
    }
    if (addEos && this.eos >= 0) out.push(this.eos);
    return out.toArray();
  }

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skip = options.skipSpecial ?? false;
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      this.vocab.check(id);
      if (!(skip && this.vocab.isSpecial(id))) total += (this.bytesCache[id] ?? this.tokenToBytes(id)).length;
    }
    const bytes = new Uint8Array(total);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (skip && this.vocab.isSpecial(id)) continue;
      const b = this.bytesCache[id]!;
      if (b.length < 16) for (let k = 0; k < b.length; k++) bytes[o++] = b[k]!;
      else {
        bytes.set(b, o);
        o += b.length;
      }
    }
    const strip = this.textModel.stripsLeadingSpace && (options.stripLeadingSpace ?? true) && bytes[0] === SPACE;
    return this.utf8.decode(strip ? bytes.subarray(1) : bytes);
  }

  tokenToPiece(id: number): string {
    this.vocab.check(id);
    return this.vocab.pieces[id]!;
  }

  tokenToBytes(id: number): Uint8Array {
    this.vocab.check(id);
    let b = this.bytesCache[id];
    if (b === undefined) {
      // Special tokens and user-defined tokens are stored as their literal text.
      const t = this.vocab.types[id];
      b = this.vocab.isSpecial(id) || t === TokenType.USER_DEFINED
        ? encoder.encode(this.vocab.pieces[id]!)
        : this.textModel.tokenBytes(id);
      this.bytesCache[id] = b;
    }
    return b;
  }

  idOf(piece: string): number | undefined {
    return this.vocab.idOf(piece);
  }

  tokenType(id: number): TokenType {
    this.vocab.check(id);
    return this.vocab.types[id]! as TokenType;
  }

  isControl(id: number): boolean {
    return this.tokenType(id) === TokenType.CONTROL;
  }

  isSpecial(id: number): boolean {
    this.vocab.check(id);
    return this.vocab.isSpecial(id);
  }

  isEndOfGeneration(id: number): boolean {
    return id >= 0 && (id === this.eos || id === this.eot);
  }

  createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    const skip = options.skipSpecial ?? true;
    let strip = this.textModel.stripsLeadingSpace && (options.stripLeadingSpace ?? false);
    let dec = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
    return {
      push: (id: number): string => {
        this.vocab.check(id);
        if (skip && this.vocab.isSpecial(id)) return "";
        // stream: true holds back an incomplete trailing sequence; invalid bytes become U+FFFD.
        let text = dec.decode(this.tokenToBytes(id), { stream: true });
        if (strip && text.length > 0) {
          if (text.charCodeAt(0) === SPACE) text = text.slice(1);
          strip = false;
        }
        return text;
      },
      flush: (): string => {
        const text = dec.decode();
        dec = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
        return text;
      },
      reset: (): void => {
        dec = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
        strip = this.textModel.stripsLeadingSpace && (options.stripLeadingSpace ?? false);
      },
    };
  }
}
