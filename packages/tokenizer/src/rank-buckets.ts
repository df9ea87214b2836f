// The bucket queue of the linear-time merge loops (symbol-merger.ts, run-merger.ts): per rank, a
// first-in-first-out list of int32 values (pair positions or node keys) in one entry pool, and a
// heap of the ranks that have a list. A merge loop takes the lowest rank's list, merges its pairs
// and adds the pairs they create, which in BPE vocabs rank higher (later lists).

import { KeyHeap } from "./heap.js";

export class RankBuckets {
  /** Distinct ranks that have a list. */
  private readonly heap = new KeyHeap();
  /** Per rank: its first and last entry (-1: no list). */
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private values = new Int32Array(1024);
  private links = new Int32Array(1024); // the next entry of the same list (-1: last)
  private entries = 0;

  constructor(maxRank: number) {
    this.head = new Int32Array(maxRank + 1).fill(-1);
    this.tail = new Int32Array(maxRank + 1);
  }

  get empty(): boolean {
    return this.heap.length === 0;
  }

  /** Drop every list (also the ones a merge loop gave up on) and the entry pool. */
  clear(): void {
    while (this.heap.length > 0) this.head[this.heap.pop()] = -1;
    this.entries = 0;
  }

  /** Append `value` to the list of `rank`. */
  add(rank: number, value: number): void {
    if (this.entries === this.values.length) this.grow();
    const e = this.entries++;
    this.values[e] = value;
    this.links[e] = -1;
    if (this.head[rank] === -1) {
      this.head[rank] = e;
      this.heap.push(rank);
    } else this.links[this.tail[rank]!] = e;
    this.tail[rank] = e;
  }

  /** The lowest rank that has a list. */
  lowestRank(): number {
    return this.heap.pop() | 0; // an int32 (the heap keys are float64)
  }

  /** Detach the list of `rank` and return its first entry (-1: none); walk it with next(). Its
   *  entries stay valid until clear(), and adding to other ranks does not change it. */
  take(rank: number): number {
    const e = this.head[rank]!;
    this.head[rank] = -1;
    return e;
  }

  next(e: number): number {
    return this.links[e]!;
  }

  value(e: number): number {
    return this.values[e]!;
  }

  private grow(): void {
    const values = new Int32Array(this.values.length * 2), links = new Int32Array(this.values.length * 2);
    values.set(this.values);
    links.set(this.links);
    this.values = values;
    this.links = links;
  }
}
