// Incremental native build: (re)configure when the set of sources changed, then `node-gyp build`.
// Uses Node headers already on the machine (npm's `nodedir` or the running node's prefix), so
// nothing is downloaded. A lock directory serialises concurrent builds of the same tree.
// buildAddon() serves other trees too (the sanitizer build in scripts/test-sanitized.mjs).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { nodeDir } from "./node-dir.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const nodeGyp = require.resolve("node-gyp/bin/node-gyp.js");

function sourceList(tree) {
  const native = join(tree, "native");
  return readdirSync(native, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".cc"))
    .sort()
    .join("\n");
}

function withLock(tree, fn) {
  const lock = join(tree, ".build-lock");
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no build is running)`);
      execFileSync("sleep", ["1"]);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Configures `tree` (a package layout: binding.gyp, native/) when its set of sources changed,
 *  then builds it; extra environment (e.g. CXXFLAGS) goes to node-gyp and make. */
export function buildAddon({ tree = root, env = process.env, rebuild = false } = {}) {
  const dir = nodeDir();
  const common = dir ? [`--nodedir=${dir}`] : [];
  const run = (args) => execFileSync(process.execPath, [nodeGyp, ...args, ...common], { cwd: tree, env, stdio: "inherit" });
  withLock(tree, () => {
    const stamp = join(tree, "build", "sources.txt");
    const sources = sourceList(tree);
    const stale = !existsSync(join(tree, "build", "Makefile")) || !existsSync(stamp) || readFileSync(stamp, "utf8") !== sources;
    if (stale || rebuild) {
      run(["configure"]);
      writeFileSync(stamp, sources);
    }
    run(["build", "-j", "max"]);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) buildAddon({ rebuild: process.argv.includes("--rebuild") });
