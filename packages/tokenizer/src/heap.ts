// Min-heap used by the merge loops, so each merge costs O(log n) instead of a rescan of all pairs.

/** A binary min-heap of float64 keys (no payload, no comparator calls): callers pack what they
 *  need into the key, e.g. rank * 2^31 + position, exact below 2^53. */
export class KeyHeap {
  private keys = new Float64Array(64);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(key: number): void {
    if (this.length === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const a = this.keys;
    let i = this.length++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = a[p]!;
      if (pk <= key) break;
      a[i] = pk;
      i = p;
    }
    a[i] = key;
  }

  pop(): number {
    const a = this.keys;
    const top = a[0]!;
    const n = --this.length;
    if (n > 0) {
      const last = a[n]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1]! < a[c]!) c++;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
