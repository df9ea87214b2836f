import { describe, expect, it } from "vitest";
import { resolveSampling } from "../src/sampling/options.js";
import { Rng } from "../src/sampling/rng.js";
import { Sampler, argmax } from "../src/sampling/sampler.js";
import { InvalidOptionError } from "../src/errors.js";

const V = 50;
function logitsFrom(f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: V }, (_, i) => f(i));
}
function sampler(o: Parameters<typeof resolveSampling>[0]): Sampler {
  return new Sampler(V, resolveSampling(o, V));
}

describe("Rng", () => {
  it("is reproducible per seed and differs across seeds", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(xa);
    for (const x of xa) expect(x >= 0 && x < 1).toBe(true);
  });
  it("is roughly uniform", () => {
    const r = new Rng(7);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) bins[Math.floor(r.next() * 10)]++;
    for (const b of bins) expect(Math.abs(b - 2000)).toBeLessThan(200);
  });
});

describe("Sampler", () => {
  it("greedy picks the argmax, lowest id on ties", () => {
    const s = sampler({ temperature: 0 });
    expect(s.sample(logitsFrom((i) => (i === 17 ? 5 : 0)))).toBe(17);
    expect(argmax(logitsFrom((i) => (i === 3 || i === 9 ? 2 : 0)))).toBe(3);
  });

  it("logit bias changes the greedy choice", () => {
    const s = sampler({ temperature: 0, logitBias: { 4: 100 } });
    expect(s.sample(logitsFrom((i) => i))).toBe(4);
  });

  it("repetition penalty divides positive and multiplies negative logits of seen tokens", () => {
    const s = sampler({ temperature: 0, repeatPenalty: 2, repeatLastN: 8 });
    s.accept(10);
    const l = logitsFrom((i) => (i === 10 ? 4 : i === 11 ? 3 : i === 12 ? -1 : -5));
    expect(s.sample(l)).toBe(11);
    expect(l[10]).toBe(2);
    s.accept(12);
    const l2 = logitsFrom((i) => (i === 12 ? -1 : -5));
    s.sample(l2);
    expect(l2[12]).toBe(-2);
  });

  it("frequency and presence penalties subtract count*freq + presence", () => {
    const s = sampler({ temperature: 0, frequencyPenalty: 0.5, presencePenalty: 1, repeatLastN: 16 });
    for (const t of [5, 5, 5, 6]) s.accept(t);
    const l = logitsFrom(() => 0);
    s.sample(l);
    expect(l[5]).toBeCloseTo(-(3 * 0.5 + 1));
    expect(l[6]).toBeCloseTo(-(0.5 + 1));
    expect(l[7]).toBe(0);
  });

  it("the penalty window forgets tokens older than repeatLastN", () => {
    const s = sampler({ temperature: 0, presencePenalty: 1, repeatLastN: 2 });
    for (const t of [1, 2, 3]) s.accept(t);
    const l = logitsFrom(() => 0);
    s.sample(l);
    expect([l[1], l[2], l[3]]).toEqual([0, -1, -1]);
  });

  it("same seed -> same sequence; different seed -> different", () => {
    const draw = (seed: number) => {
      const s = sampler({ temperature: 1, topK: 0, topP: 1, minP: 0, seed });
      return Array.from({ length: 40 }, () => s.sample(logitsFrom(() => 0)));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it("top-k restricts to the k best tokens", () => {
    const s = sampler({ temperature: 5, topK: 3, topP: 1, minP: 0, seed: 3 });
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(s.sample(logitsFrom((j) => j / 10)));
    expect([...seen].sort()).toEqual([47, 48, 49]);
  });

  it("top-p keeps the smallest set reaching p", () => {
    // probabilities 0.5, 0.25, 0.125, ... : top-p 0.7 keeps two tokens
    const s = sampler({ temperature: 1, topK: 0, topP: 0.7, minP: 0, seed: 9 });
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(s.sample(logitsFrom((j) => -j * Math.LN2)));
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it("min-p drops tokens below p * p(best)", () => {
    const s = sampler({ temperature: 1, topK: 0, topP: 1, minP: 0.2, seed: 11 });
    const seen = new Set<number>();
    // p(j)/p(0) = 2^-j: min-p 0.2 keeps j = 0, 1, 2
    for (let i = 0; i < 600; i++) seen.add(s.sample(logitsFrom((j) => -j * Math.LN2)));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it("temperature sampling follows the softmax distribution", () => {
    const s = sampler({ temperature: 1, topK: 0, topP: 1, minP: 0, seed: 5 });
    const counts = [0, 0];
    const N = 20000;
    for (let i = 0; i < N; i++) counts[s.sample(logitsFrom((j) => (j === 0 ? Math.log(3) : j === 1 ? 0 : -1e9)))]++;
    expect(counts[0] / N).toBeGreaterThan(0.73);
    expect(counts[0] / N).toBeLessThan(0.77);
  });

  it("rejects bad options with a typed error", () => {
    expect(() => resolveSampling({ topP: 2 }, V)).toThrow(InvalidOptionError);
    expect(() => resolveSampling({ temperature: NaN }, V)).toThrow(InvalidOptionError);
    expect(() => resolveSampling({ logitBias: { 99: 1 } }, V)).toThrow(/logitBias/);
    expect(() => resolveSampling({ seed: -1 }, V)).toThrow(/seed/);
  });
});
