// Bounded two-generation cache of token ids per word. When the young map fills up it becomes
// the old one (the previous old one is dropped), and words found in the old map are copied
// back, so frequent words survive input that never repeats, with no per-entry bookkeeping.

const GENERATION = 1 << 16; // words per generation
const MAX_WORD = 256; // longer words are not cached (rare, and would pin memory)

export class WordCache {
  private young = new Map<string, number[]>();
  private old = new Map<string, number[]>();

  get(word: string): number[] | undefined {
    const hit = this.young.get(word);
    if (hit !== undefined) return hit;
    const old = this.old.get(word);
    if (old !== undefined) this.set(word, old);
    return old;
  }

  set(word: string, ids: number[]): void {
    if (word.length >= MAX_WORD) return;
    if (this.young.size >= GENERATION) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(word, ids);
  }
}

/** Append ids to out (faster than out.push(...ids) for the short arrays of one word). */
export function pushAll(out: number[], ids: number[]): void {
  for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
}
