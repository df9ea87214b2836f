// Sampling options: defaults and validation (bad values are a typed error, never NaN output).
import { InvalidOptionError } from "../errors.js";

export interface SamplingOptions {
  /** 0 (or less) = greedy. Default 0.8 when any other sampling option asks for randomness. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  repeatLastN?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  logitBias?: Record<number, number>;
  seed?: number;
}

export interface ResolvedSampling {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  repeatLastN: number;
  frequencyPenalty: number;
  presencePenalty: number;
  logitBias: [number, number][];
  seed: number | undefined;
}

function finite(name: string, v: number | undefined, fallback: number, lo: number, hi: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
    throw new InvalidOptionError(`${name} must be a number in [${lo}, ${hi}], got ${String(v)}`);
  }
  return v;
}

export function resolveSampling(o: SamplingOptions, vocabSize: number): ResolvedSampling {
  const bias: [number, number][] = [];
  for (const [k, v] of Object.entries(o.logitBias ?? {})) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new InvalidOptionError(`logitBias token id ${k} is not in [0, ${vocabSize})`);
    }
    if (typeof v !== "number" || Number.isNaN(v)) throw new InvalidOptionError(`logitBias[${k}] must be a number`);
    bias.push([id, v]);
  }
  const seed = o.seed;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER)) {
    throw new InvalidOptionError(`seed must be a non-negative integer, got ${String(seed)}`);
  }
  return {
    temperature: finite("temperature", o.temperature, 0.8, -Infinity, 100),
    topK: Math.floor(finite("topK", o.topK, 40, 0, Number.MAX_SAFE_INTEGER)),
    topP: finite("topP", o.topP, 0.95, 0, 1),
    minP: finite("minP", o.minP, 0.05, 0, 1),
    repeatPenalty: finite("repeatPenalty", o.repeatPenalty, 1, 0.01, 100),
    repeatLastN: Math.floor(finite("repeatLastN", o.repeatLastN, 64, 0, 1 << 20)),
    frequencyPenalty: finite("frequencyPenalty", o.frequencyPenalty, 0, -100, 100),
    presencePenalty: finite("presencePenalty", o.presencePenalty, 0, -100, 100),
    logitBias: bias,
    seed,
  };
}
