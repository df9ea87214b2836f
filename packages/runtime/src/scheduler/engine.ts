// The scheduler: every sequence of a model (generate and evaluate calls) runs through here.
// Each step is ONE plan run over the tokens of all active sequences: every decoding sequence
// contributes its next token (batched decode = one GEMM per projection), and one sequence in
// prefill contributes a chunk of its prompt (round-robin across prefilling sequences). So
// decode never waits behind a whole long prompt and no prefill is starved by decoders.
// Sequences join when they get a KV slot and leave when done; waiting calls queue (bounded).
import { BusyError, ContextOverflowError, DisposedError } from "../errors.js";
import type { KvCache } from "../kv/cache.js";
import type { ForwardGraph } from "../model/graph.js";

export type ContextPolicy = "stop" | "shift";

/** What a sequence does with its logits. Implemented by generation and evaluation. */
export interface SequenceClient {
  /** Logits of the last token fed (after the prompt, then after each decoded token).
   *  Return the next token to feed, or -1 to finish. */
  next(logits: Float32Array): number;
  /** evaluate(allLogits): logits of every prompt token, chunk by chunk (rows x vocab). */
  promptLogits?(logits: Float32Array, rows: number): void;
  /** The sequence can not continue: its context is full and the policy is "stop". */
  contextFull(): void;
  /** The step failed (kernel error). */
  fail(error: unknown): void;
  /** Called when the sequence got a KV slot and starts (after queueing). */
  started?(): void;
}

export interface SequenceRequest {
  prompt: readonly number[];
  client: SequenceClient;
  onContextFull: ContextPolicy;
  /** Tokens at the start kept when the context shifts. */
  keep: number;
  /** Whether every prompt position needs logits (evaluate allLogits). */
  allLogits: boolean;
}

export class Sequence {
  slot = -1;
  fed = 0; // prompt tokens already in the KV cache
  pos = 0; // positions used in the KV cache
  nextToken = -1; // token to feed in the next decode step
  finished = false;
  constructor(readonly req: SequenceRequest) {}
  get prefilling(): boolean {
    return this.fed < this.req.prompt.length;
  }
}

export interface EngineLimits {
  maxQueue: number;
  /** Largest prefill chunk (tokens per step, including the decoders' tokens). */
  maxTokens: number;
  maxOutputs: number;
}

export class Engine {
  private readonly waiting: Sequence[] = [];
  private readonly active: Sequence[] = [];
  private scheduled = false;
  private prefillTurn = 0;
  private readonly owners: Sequence[] = [];
  private readonly scratch: Sequence[] = [];
  private disposed = false;
  /** Steps run so far and the largest decode batch seen (observability and tests). */
  readonly stats = { steps: 0, maxDecodeBatch: 0, tokens: 0 };

  constructor(
    private readonly graph: ForwardGraph,
    private readonly kv: KvCache,
    private readonly limits: EngineLimits,
    private readonly vocabSize: number,
  ) {}

  /** Add a sequence; throws BusyError when all slots are taken and the queue is full. */
  submit(req: SequenceRequest): Sequence {
    if (req.prompt.length === 0) throw new RangeError("a sequence needs at least one prompt token");
    if (req.prompt.length > this.kv.contextLength) {
      throw new ContextOverflowError(
        `the prompt has ${req.prompt.length} tokens but the context holds ${this.kv.contextLength}`,
        req.prompt.length,
        this.kv.contextLength,
      );
    }
    const seq = new Sequence(req);
    if (!this.tryStart(seq)) {
      if (this.waiting.length >= this.limits.maxQueue) {
        throw new BusyError(`the model is busy: ${this.kv.maxSlots} sequences running and ${this.waiting.length} queued (maxQueue ${this.limits.maxQueue})`);
      }
      this.waiting.push(seq);
    }
    return seq;
  }

  /** Stop a sequence now and free its KV slot (safe to call twice, or after it finished). */
  cancel(seq: Sequence): void {
    if (seq.finished) return;
    const w = this.waiting.indexOf(seq);
    if (w >= 0) this.waiting.splice(w, 1);
    this.finish(seq);
  }

  get queued(): number {
    return this.waiting.length;
  }
  get running(): number {
    return this.active.length;
  }

  private tryStart(seq: Sequence): boolean {
    // a growing cache keeps of each running sequence the positions it has (pos counts any already scheduled)
    const slot = this.kv.acquire((s) => this.active.find((q) => q.slot === s)?.pos ?? 0);
    if (slot < 0) return false;
    seq.slot = slot;
    this.active.push(seq);
    seq.req.client.started?.();
    this.schedule();
    return true;
  }

  private finish(seq: Sequence): void {
    seq.finished = true;
    const i = this.active.indexOf(seq);
    if (i >= 0) this.active.splice(i, 1);
    if (seq.slot >= 0) {
      this.kv.release(seq.slot);
      seq.slot = -1;
    }
    while (this.waiting.length > 0 && this.tryStart(this.waiting[0])) this.waiting.shift();
  }

  private schedule(): void {
    if (this.scheduled || this.disposed || this.active.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.disposed) return;
      this.step();
      this.schedule();
    });
  }

  /** Build and run one step. */
  private step(): void {
    const { ids, pos, seq: slot, outRows } = this.graph;
    let n = 0;
    let m = 0;
    // Who owns which logits row: decoders first, then the prefill chunk's rows (if any).
    // (Scratch arrays are reused across steps: a step allocates nothing proportional to its size.)
    const owners = this.owners;
    owners.length = 0;
    const candidates = this.scratch;
    candidates.length = 0;
    for (const s of this.active) candidates.push(s); // makeRoom() may remove from `active`

    for (const s of candidates) {
      if (s.prefilling || s.finished) continue;
      if (n >= this.limits.maxOutputs) break;
      if (s.pos >= this.kv.contextLength && !this.makeRoom(s)) continue;
      ids[n] = s.nextToken;
      pos[n] = s.pos++;
      slot[n] = s.slot;
      outRows[m++] = n++;
      owners.push(s);
    }
    const decoders = owners.length;

    const prefillers = this.scratch;
    prefillers.length = 0;
    for (const s of this.active) if (s.prefilling) prefillers.push(s);
    let pre: Sequence | undefined;
    let preStart = 0;
    let preCount = 0;
    if (prefillers.length > 0 && n < this.limits.maxTokens) {
      pre = prefillers[this.prefillTurn++ % prefillers.length];
      const room = pre.req.allLogits ? this.limits.maxOutputs - m : this.limits.maxTokens - n;
      preCount = Math.min(pre.req.prompt.length - pre.fed, room, this.limits.maxTokens - n);
      if (preCount <= 0) pre = undefined;
    }
    if (pre) {
      preStart = n;
      for (let j = 0; j < preCount; j++) {
        ids[n] = pre.req.prompt[pre.fed + j];
        pos[n] = pre.pos++;
        slot[n] = pre.slot;
        n++;
      }
      pre.fed += preCount;
      if (pre.req.allLogits) for (let j = 0; j < preCount; j++) outRows[m++] = preStart + j;
      else if (!pre.prefilling) outRows[m++] = n - 1;
    }
    if (n === 0) return;

    let logits: Float32Array;
    try {
      // All rows are outputs in order: the plan skips the gather.
      const allOut = m === n;
      logits = this.graph.run(n, allOut ? n : m);
    } catch (e) {
      if (pre) owners.push(pre);
      for (const s of owners) {
        s.req.client.fail(e);
        this.finish(s);
      }
      owners.length = 0;
      return;
    }
    this.stats.steps++;
    this.stats.tokens += n;
    if (decoders > this.stats.maxDecodeBatch) this.stats.maxDecodeBatch = decoders;

    const V = this.vocabSize;
    for (let r = 0; r < decoders; r++) this.deliver(owners[r], logits.subarray(r * V, (r + 1) * V));
    if (pre) {
      const base = decoders * V;
      if (pre.req.allLogits) {
        pre.req.client.promptLogits?.(logits.subarray(base, base + preCount * V), preCount);
      }
      if (!pre.prefilling && !pre.finished) {
        const lastRow = pre.req.allLogits ? base + (preCount - 1) * V : base;
        this.deliver(pre, logits.subarray(lastRow, lastRow + V));
      }
    }
  }

  private deliver(s: Sequence, row: Float32Array): void {
    if (s.finished) return;
    let next: number;
    try {
      next = s.req.client.next(row);
    } catch (e) {
      s.req.client.fail(e);
      this.finish(s);
      return;
    }
    if (next < 0) this.finish(s);
    else s.nextToken = next;
  }

  /** The sequence's context is full: shift it, or finish it with reason "context". */
  private makeRoom(s: Sequence): boolean {
    if (s.req.onContextFull === "shift") {
      const keep = Math.min(s.req.keep, s.pos - 1);
      const discard = Math.max(1, Math.floor((s.pos - keep) / 2));
      try {
        this.kv.shift(s.slot, keep, discard, s.pos);
      } catch (e) {
        s.req.client.fail(e);
        this.finish(s);
        return false;
      }
      s.pos -= discard;
      return true;
    }
    s.req.client.contextFull();
    this.finish(s);
    return false;
  }

  dispose(): void {
    this.disposed = true;
    for (const s of [...this.waiting, ...this.active]) {
      s.req.client.fail(new DisposedError("the model was disposed while this sequence was running"));
      s.finished = true;
    }
    this.waiting.length = 0;
    this.active.length = 0;
  }
}
