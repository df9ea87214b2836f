// Incremental native build: (re)configure when the set of sources changed, then `node-gyp build`.
// Uses Node headers already on the machine (npm's `nodedir` or the running node's prefix), so
// nothing is downloaded. A lock directory serialises concurrent builds of the same tree.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { nodeDir } from "./node-dir.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const nodeGyp = require.resolve("node-gyp/bin/node-gyp.js");

function sourceList() {
  const native = join(root, "native");
  return readdirSync(native, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".cc"))
    .sort()
    .join("\n");
}

function withLock(fn) {
  const lock = join(root, ".build-lock");
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

const dir = nodeDir();
const common = dir ? [`--nodedir=${dir}`] : [];
const run = (args) => execFileSync(process.execPath, [nodeGyp, ...args, ...common], { cwd: root, stdio: "inherit" });

withLock(() => {
  const stamp = join(root, "build", "sources.txt");
  const sources = sourceList();
  const stale = !existsSync(join(root, "build", "Makefile")) || !existsSync(stamp) || readFileSync(stamp, "utf8") !== sources;
  if (stale || process.argv.includes("--rebuild")) {
    run(["configure"]);
    writeFileSync(stamp, sources);
  }
  run(["build", "-j", "max"]);
});
