// Finds and loads the native addon: a prebuilt binary (prebuilds/<platform>-<arch>/) first, then
// the local node-gyp build (build/Release/). A local build that is newer than the prebuilt one
// wins, so a development tree never runs a stale prebuild after a rebuild. If nothing loads,
// one KernelError (NATIVE_LOAD) names the platform and the rebuild command.
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { join } from "node:path";
import { KernelError } from "./errors.js";

export const REBUILD_COMMAND = "pnpm --filter @ryzen/kernels build";
const BINARY = "ryzen_kernels.node";

function prebuiltCandidates(root: string): string[] {
  const dir = join(root, "prebuilds", `${process.platform}-${process.arch}`);
  if (!existsSync(dir)) return [];
  // scripts/prebuildify.mjs writes @ryzen+kernels.node (one N-API binary for every Node version).
  return readdirSync(dir)
    .filter((f) => f.endsWith(".node"))
    .sort()
    .map((f) => join(dir, f));
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Candidate binaries in the order they are tried (RYZEN_KERNELS_BINARY=<file> forces one). */
export function nativeCandidates(root: string): string[] {
  const forced = process.env.RYZEN_KERNELS_BINARY;
  if (forced) return [forced];
  const prebuilt = prebuiltCandidates(root);
  const local = join(root, "build", "Release", BINARY);
  if (!existsSync(local)) return prebuilt;
  const newestPrebuilt = Math.max(0, ...prebuilt.map(mtime));
  return mtime(local) > newestPrebuilt ? [local, ...prebuilt] : [...prebuilt, local];
}

// RTLD_NOW: an unresolved symbol fails here, as a catchable error, instead of killing the
// process at the first call into the missing function (lazy binding).
function dlopenNow<T>(file: string): T {
  const module = { exports: {} as T };
  process.dlopen(module, file, constants.dlopen.RTLD_NOW);
  return module.exports;
}

/** Loads the addon from a package root directory (the folder holding package.json). */
export function loadNativeFrom<T = unknown>(root: string): T {
  const require = createRequire(join(root, "package.json"));
  const failures: string[] = [];
  for (const file of nativeCandidates(root)) {
    try {
      return dlopenNow<T>(file);
    } catch (err) {
      failures.push(`${file}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  // Last resort: node-gyp-build's own search (other prebuild layouts, e.g. a libc-tagged folder).
  try {
    const nodeGypBuild = require("node-gyp-build") as (dir: string) => T;
    return nodeGypBuild(root);
  } catch (err) {
    failures.push(`node-gyp-build: ${(err as Error).message.split("\n")[0]}`);
  }
  throw new KernelError(
    "NATIVE_LOAD",
    `@ryzen/kernels: no loadable native binary for ${process.platform}-${process.arch} ` +
      `(node ${process.versions.node}, N-API ${process.versions.napi}) in ${root}.\n` +
      `Rebuild it with: ${REBUILD_COMMAND}\nTried:\n  ${failures.join("\n  ")}`,
  );
}
