// The slice of @ryzen/runtime (packages/runtime/API.md) the CLI uses, loaded lazily so that
// `--help`, `pull` and argument errors never load the native addon.
import type * as Runtime from "@ryzen/runtime";

export type RuntimeModule = typeof Runtime;
export type {
  Model,
  GenerateOptions,
  Generation,
  GenerationResult,
  GGUFFile,
  LoadModelOptions,
} from "@ryzen/runtime";

let loaded: Promise<RuntimeModule> | undefined;

export function loadRuntime(): Promise<RuntimeModule> {
  loaded ??= import("@ryzen/runtime");
  return loaded;
}

/** True for the runtime's BusyError (by code, so it also works across module copies). */
export function isBusyError(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === "BUSY";
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || (err as { code?: unknown }).code === "ABORTED");
}
