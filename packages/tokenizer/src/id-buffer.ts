// Growable buffer of token ids: encode appends every id here and makes one array at the end.
// Pushing ids one by one onto a JS array costs ~15 ns each at these sizes (its backing store
// is regrown and becomes garbage), several times a typed-array store.

/** What the merge loops append ids to: an IdBuffer, or a plain array. */
export interface IdSink {
  push(id: number): unknown;
}

export class IdBuffer implements IdSink {
  ids: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.ids = new Int32Array(Math.max(16, capacity));
  }

  push(id: number): void {
    if (this.length === this.ids.length) this.grow(1);
    this.ids[this.length++] = id;
  }

  pushAll(src: ArrayLike<number>): void {
    const n = src.length;
    const ids = this.reserve(n);
    for (let i = 0, o = this.length; i < n; i++) ids[o + i] = src[i]!;
    this.length += n;
  }

  /** Make room for n more ids; returns the array to write them to, from index `length`. */
  reserve(n: number): Int32Array {
    if (this.length + n > this.ids.length) this.grow(n);
    return this.ids;
  }

  private grow(n: number): void {
    const grown = new Int32Array(Math.max(this.ids.length * 2, this.length + n));
    grown.set(this.ids.subarray(0, this.length));
    this.ids = grown;
  }

  toArray(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.ids[i]!;
    return out;
  }
}
