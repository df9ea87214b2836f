// Unbounded single-consumer async queue: the engine pushes chunks without waiting for the
// reader, so a generation runs to completion (and `result` resolves) even if never iterated.

export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private closed = false;
  private failure: unknown = undefined;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private waiterReject: ((e: unknown) => void) | null = null;
  private iterated = false;

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.waiterReject = null;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = error;
    if (this.waiter) {
      const w = this.waiter;
      const r = this.waiterReject!;
      this.waiter = this.waiterReject = null;
      if (error !== undefined) r(error);
      else w({ value: undefined as never, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new TypeError("a Generation can be iterated only once");
    this.iterated = true;
    return {
      next: () => {
        if (this.head < this.items.length) {
          const value = this.items[this.head];
          this.items[this.head++] = undefined as never;
          if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items.splice(0, this.head);
            this.head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.closed) {
          return this.failure !== undefined ? Promise.reject(this.failure) : Promise.resolve({ value: undefined as never, done: true });
        }
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiter = resolve;
          this.waiterReject = reject;
        });
      },
      return: () => {
        this.onReturn?.();
        return Promise.resolve({ value: undefined as never, done: true });
      },
    };
  }

  /** Called when the consumer stops iterating early (break / return). */
  onReturn: (() => void) | undefined;
}
