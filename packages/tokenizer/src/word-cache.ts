// Bounded cache of token ids per word. When full, the oldest quarter of the entries is
// dropped (a Map iterates in insertion order): one lookup per word, no per-hit bookkeeping,
// and words still in use come back on their next miss.

const CAPACITY = 1 << 17; // words
const MAX_WORD = 256; // longer words are not cached (rare, and would pin memory)

export class WordCache {
  private readonly map = new Map<string, number[]>();

  get(word: string): number[] | undefined {
    return this.map.get(word);
  }

  set(word: string, ids: number[]): void {
    if (word.length >= MAX_WORD) return;
    if (this.map.size >= CAPACITY) {
      let drop = CAPACITY >> 2;
      for (const key of this.map.keys()) {
        this.map.delete(key);
        if (--drop === 0) break;
      }
    }
    this.map.set(word, ids);
  }
}
