// The vocabulary shared by both tokenizer models: pieces, scores, token types and special ids.

import { TokenizerError } from "./errors.js";
import { TokenType } from "./types.js";

export interface SpecialIds {
  bos: number;
  eos: number;
  eot: number;
  unk: number;
  pad: number;
}

export class Vocab {
  readonly size: number;
  private readonly pieceToId = new Map<string, number>();

  constructor(
    readonly pieces: readonly string[],
    readonly types: Uint8Array,
    /** SentencePiece scores (empty for byte-level BPE). */
    readonly scores: Float32Array,
    readonly special: SpecialIds,
  ) {
    this.size = pieces.length;
    if (types.length !== pieces.length) {
      throw new TokenizerError("BAD_VALUE", `token_type has ${types.length} entries but there are ${pieces.length} tokens`, "tokenizer.ggml.token_type");
    }
    // On duplicate pieces the last id wins, as in llama.cpp's token_to_id map.
    for (let i = 0; i < pieces.length; i++) this.pieceToId.set(pieces[i]!, i);
    for (const [name, id] of Object.entries(special)) {
      if (id !== -1 && (!Number.isInteger(id) || id < 0 || id >= this.size)) {
        throw new TokenizerError("ID_OUT_OF_RANGE", `${name} token id ${id} is outside the vocab of ${this.size} tokens`, name);
      }
    }
  }

  idOf(piece: string): number | undefined {
    return this.pieceToId.get(piece);
  }

  check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) {
      throw new TokenizerError("ID_OUT_OF_RANGE", `token id ${id} is out of range (vocab size ${this.size})`, String(id));
    }
  }

  /** Ids that are dropped by skipSpecial and matched by parseSpecial. */
  isSpecial(id: number): boolean {
    const t = this.types[id];
    return t === TokenType.CONTROL || t === TokenType.UNKNOWN || t === TokenType.UNUSED;
  }
}

/** Normalize a special id read from metadata: absent, negative or the u32 "none" marker → -1. */
export function optionalId(v: unknown): number {
  if (typeof v === "bigint") return -1; // only huge values stay bigint: 0xFFFFFFFF… style "none"
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= 0xffffffff) return -1;
  return v;
}
