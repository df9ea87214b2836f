// BPE merge rules keyed by symbol ids, built from a merges list (GGUF, tokenizer.json) or
// implied by a rank-ordered vocab (tiktoken).

import { BYTE_TO_CHAR } from "./byte-level.js";
import { TokenizerError } from "./errors.js";
import { Junctions } from "./junctions.js";
import { MergeTable } from "./merge-table.js";

export interface BpeVocabView {
  readonly size: number;
  readonly pieces: readonly string[];
  readonly types: Uint8Array;
  idOf(piece: string): number | undefined;
}

/** Merge rules keyed by symbol ids. Merge results that are not vocab entries get "virtual"
 *  ids from vocab.size up; at the end they fall back to their single characters. */
export class MergeRules {
  readonly table: MergeTable;
  /** Token id of each single byte's byte-level character. */
  readonly byteIds = new Int32Array(256);
  readonly virtualPieces: string[] = [];
  /** The byte pairs that merges join: where words can be split exactly. */
  readonly junctions = new Junctions();
  private readonly virtualIds = new Map<string, number>();

  constructor(readonly vocab: BpeVocabView, capacity: number) {
    this.table = new MergeTable(capacity, (a, b) => this.idOrVirtual(this.pieceOf(a) + this.pieceOf(b)));
    for (let b = 0; b < 256; b++) this.byteIds[b] = this.idOrVirtual(BYTE_TO_CHAR[b]!);
  }

  maxRank = 0;

  /** Add a merge of two vocab pieces; pairs whose inputs are not in the vocab can never apply.
   *  `result` is the merged piece's id when the caller knows it; otherwise it is looked up
   *  the first time the merge is used (most merges never are, and loading stays fast). */
  add(left: string, right: string, rank: number, result = -1): void {
    const a = this.vocab.idOf(left), b = this.vocab.idOf(right);
    if (a === undefined || b === undefined) return;
    if (rank > this.maxRank) this.maxRank = rank;
    this.table.add(a, b, rank, result);
    this.junctions.add(left, right);
  }

  private pieceOf(id: number): string {
    return id < this.vocab.size ? this.vocab.pieces[id]! : this.virtualPieces[id - this.vocab.size]!;
  }

  private idOrVirtual(piece: string): number {
    const id = this.vocab.idOf(piece) ?? this.virtualIds.get(piece);
    if (id !== undefined) return id;
    const v = this.vocab.size + this.virtualPieces.length;
    this.virtualPieces.push(piece);
    this.virtualIds.set(piece, v);
    return v;
  }
}

/** Rules from GGUF/tokenizer.json merges ("left right", rank = index). */
export function mergesFromList(vocab: BpeVocabView, merges: readonly (string | readonly [string, string])[], key: string): MergeRules {
  const rules = new MergeRules(vocab, merges.length);
  for (let r = 0; r < merges.length; r++) {
    const m = merges[r]!;
    if (typeof m !== "string") {
      rules.add(m[0], m[1], r);
      continue;
    }
    const sp = m.indexOf(" ", 1); // byte-level pieces contain no spaces (they are Ġ)
    if (sp < 0) throw new TokenizerError("BAD_VALUE", `merge ${r} ('${m}') is not two space-separated pieces`, key);
    rules.add(m.slice(0, sp), m.slice(sp + 1), r);
  }
  return rules;
}

/** Rules implied by a rank-ordered vocab (tiktoken): any two pieces whose concatenation is a
 *  piece merge, with that piece's rank. Lowest rank first, ties leftmost — tiktoken's rule. */
export function mergesFromRanks(vocab: BpeVocabView, pieces: readonly string[], ranks: ArrayLike<number>): MergeRules {
  let pairs = 0;
  for (const p of pieces) pairs += Math.max(0, p.length - 1);
  const rules = new MergeRules(vocab, pairs);
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const id = vocab.idOf(p)!;
    for (let k = 1; k < p.length; k++) rules.add(p.slice(0, k), p.slice(k), ranks[i]!, id);
  }
  return rules;
}
