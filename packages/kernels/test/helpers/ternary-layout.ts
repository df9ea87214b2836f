// Ternary weights are repacked into one of two engine layouts when prepared: T3 (table lookups and
// AVX-512 multiply-add) or T2 (2-bit multiply-add). Tests prepare a tensor in each explicitly,
// through RYZEN_TERNARY_LAYOUT.
import { Tensor, cpuInfo } from "../../src/index";
import { withEnv } from "./env";

export const LAYOUTS = ["t3", "t2"] as const;
export type Layout = (typeof LAYOUTS)[number];

/** The layout weights are prepared in by default under `isa` (`amx`: AMX tiles usable): T2 on AVX2
 *  and on AVX-512, except on AMD CPUs without AMX tiles (Zen 4/5); T3 on scalar. */
export function defaultLayout(isa: "scalar" | "avx2" | "avx512", amx = cpuInfo().amx): Layout {
  if (isa === "avx2") return "t2";
  return isa === "avx512" && (amx || cpuInfo().vendor !== "AuthenticAMD") ? "t2" : "t3";
}

/** Runs fn with RYZEN_TERNARY_LAYOUT set to `layout` (unset: the default choice), then restores it. */
export function withLayout<T>(layout: Layout | undefined, fn: () => T): T {
  return withEnv("RYZEN_TERNARY_LAYOUT", layout, fn);
}

/** A tensor of on-disk ternary bytes, prepared now in `layout`. */
export function preparedIn(layout: Layout, type: number, shape: number[], bytes: Uint8Array): Tensor {
  return withLayout(layout, () => Tensor.from(type, shape, bytes).prepare());
}

/** One prepared tensor per layout. */
export function preparedInEach(type: number, shape: number[], bytes: Uint8Array): Record<Layout, Tensor> {
  return { t3: preparedIn("t3", type, shape, bytes), t2: preparedIn("t2", type, shape, bytes) };
}
