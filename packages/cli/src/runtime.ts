// The slice of @ryzen/runtime (packages/runtime/API.md) the CLI uses, loaded lazily so that
// `--help`, `pull` and argument errors never load the native addon.
import type * as Runtime from "@ryzen/runtime";

export type RuntimeModule = typeof Runtime;
export type { Model, GenerateOptions, LoadModelOptions } from "@ryzen/runtime";

let loaded: Promise<RuntimeModule> | undefined;

export function loadRuntime(): Promise<RuntimeModule> {
  loaded ??= import("@ryzen/runtime");
  return loaded;
}
