// Shared test helpers: paths to shared data and the stories260K reference cases.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const STORIES = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));

export interface ReferenceCase {
  prompt: string;
  prompt_tokens: number[];
  greedy_tokens: number[];
  n_generated: number;
  logits_last_prompt_position: number[];
  top5_per_generated_step: number[][];
}

export const STORIES_REF: { cases: ReferenceCase[] } = JSON.parse(
  readFileSync(new URL("../../../../shared/models/stories260K.reference.json", import.meta.url), "utf8"),
);

/** max |a - b| / max |b|: logits differences relative to the logits' scale. */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

export function argmaxOf(x: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
  return b;
}
