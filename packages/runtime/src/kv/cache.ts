// KV cache: per layer one K and one V tensor of shape [kvDim, ctx, slots] (f16, q8_0 or f32), one
// slot per concurrent sequence. Slots are allocated lazily: the tensors start with one slot and
// double (copying the used prefix) up to maxSlots, so memory follows actual concurrency. A slot's
// pages commit as its positions fill, so the cache grows only by slots whose full context fits in
// the memory available then; past that, new sequences wait for a running one to finish instead of
// the process being OOM-killed later.
import { GGMLType, Tensor, nodes, runOp } from "@ryzen/kernels";
import { ModelLoadError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { availableMemory } from "../model/memory-budget.js";
import { withRopeFreqs } from "../model/rope-freqs.js";

export type KvType = "f16" | "q8_0" | "f32";

export interface KvCacheOptions {
  contextLength: number;
  type: KvType;
  maxSlots: number;
  /** Llama 3.1 RoPE frequency factors the keys were roped with (re-applied by shift). */
  ropeFreqs?: Tensor;
  /** Bytes the process can still get (default: availableMemory()); consulted when slots grow. */
  availableMemory?: () => number;
}

/** Bytes of K+V over all layers for one sequence of contextLength positions. */
export function kvBytesPerSequence(cfg: ModelConfig, type: KvType, contextLength: number): number {
  const kvDim = cfg.headCountKv * cfg.headDim;
  const perRow = type === "q8_0" ? (kvDim / 32) * 34 : kvDim * (type === "f32" ? 4 : 2);
  return 2 * cfg.blockCount * perRow * contextLength;
}

export class KvCache {
  readonly contextLength: number;
  readonly type: KvType;
  readonly maxSlots: number;
  readonly kvDim: number;
  /** Bytes of K+V over all layers for one sequence of contextLength positions. */
  readonly bytesPerSequence: number;
  k: Tensor[] = [];
  v: Tensor[] = [];
  /** Slots currently allocated in the tensors (grows up to maxSlots). */
  capacity = 0;
  /** Bumped whenever k/v are replaced, so plans that reference them are rebuilt. */
  version = 0;
  private readonly inUse: boolean[] = [];
  private readonly ropeFreqs?: Tensor;
  private readonly availableMemory: () => number;

  constructor(
    private readonly cfg: ModelConfig,
    opts: KvCacheOptions,
  ) {
    this.contextLength = opts.contextLength;
    this.type = opts.type;
    this.maxSlots = opts.maxSlots;
    this.ropeFreqs = opts.ropeFreqs;
    this.availableMemory = opts.availableMemory ?? availableMemory;
    this.kvDim = cfg.headCountKv * cfg.headDim;
    if (opts.type === "q8_0" && cfg.headDim % 32 !== 0) {
      // q8_0 blocks of 32 must not straddle heads (the attention kernel reads a head at a time).
      throw new ModelLoadError("BAD_OPTION", `kvType q8_0 needs a head dimension that is a multiple of 32 (this model has ${cfg.headDim})`);
    }
    this.bytesPerSequence = kvBytesPerSequence(cfg, opts.type, opts.contextLength);
    this.resize(1);
  }

  private ggmlType(): number {
    return this.type === "f16" ? GGMLType.F16 : this.type === "f32" ? GGMLType.F32 : GGMLType.Q8_0;
  }

  // Grows the tensors to `slots`, copying of each old slot only its first used(slot) positions:
  // copying whole slots would touch (and so commit) every page of a mostly empty long context.
  private resize(slots: number, used: (slot: number) => number = () => 0): void {
    const shape = [this.kvDim, this.contextLength, slots];
    const slotBytes = this.bytesPerSequence / (2 * this.cfg.blockCount);
    const rowBytes = slotBytes / this.contextLength;
    const k: Tensor[] = [];
    const v: Tensor[] = [];
    for (let l = 0; l < this.cfg.blockCount; l++) {
      k.push(Tensor.empty(this.ggmlType(), shape));
      v.push(Tensor.empty(this.ggmlType(), shape));
      // Slot is the outermost dimension: old slot s is at the same offset in the new tensors.
      if (this.capacity === 0) continue;
      const [newK, newV, oldK, oldV] = [k[l].bytes(), v[l].bytes(), this.k[l].bytes(), this.v[l].bytes()];
      for (let s = 0; s < this.capacity; s++) {
        const start = s * slotBytes, end = start + Math.min(this.contextLength, Math.max(0, used(s))) * rowBytes;
        newK.set(oldK.subarray(start, end), start);
        newV.set(oldV.subarray(start, end), start);
      }
    }
    this.disposeTensors();
    this.k = k;
    this.v = v;
    this.capacity = slots;
    while (this.inUse.length < slots) this.inUse.push(false);
    this.version++;
  }

  /** A free slot, growing the cache if needed (keeping the first used(slot) positions of every
   *  slot in use); -1 when all maxSlots are taken, or when not one more slot's full context fits
   *  in the memory available. */
  acquire(used: (slot: number) => number): number {
    for (let s = 0; s < this.capacity; s++) {
      if (!this.inUse[s]) {
        this.inUse[s] = true;
        return s;
      }
    }
    if (this.capacity >= this.maxSlots) return -1;
    const affordable = Math.floor(this.availableMemory() / this.bytesPerSequence);
    const slots = Math.min(this.maxSlots, this.capacity * 2, this.capacity + affordable);
    if (slots <= this.capacity) return -1;
    const slot = this.capacity;
    this.resize(slots, used);
    this.inUse[slot] = true;
    return slot;
  }

  release(slot: number): void {
    this.inUse[slot] = false;
  }

  get activeSlots(): number {
    return this.inUse.filter(Boolean).length;
  }

  /** Drop positions [keep, keep+discard) of a slot holding `used` positions; later keys are re-rotated. */
  shift(slot: number, keep: number, discard: number, used: number): void {
    const c = this.cfg;
    for (let l = 0; l < c.blockCount; l++) {
      const n = withRopeFreqs(nodes.kvShift(this.k[l], this.v[l], {
        slot, keep, discard, used,
        nHeadKv: c.headCountKv, headDim: c.headDim, nRot: c.ropeDims,
        mode: c.ropeMode, theta: c.ropeTheta, freqScale: c.ropeFreqScale,
      }), this.ropeFreqs);
      runOp(n.op, n.t, n.i, n.f);
    }
  }

  private disposeTensors(): void {
    for (const t of this.k) t.dispose();
    for (const t of this.v) t.dispose();
    this.k = [];
    this.v = [];
  }

  dispose(): void {
    this.disposeTensors();
    this.capacity = 0;
  }
}
