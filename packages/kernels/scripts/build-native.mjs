// Incremental native build: configure once, then `node-gyp build`. Uses the Node headers the
// machine already has (npm's `nodedir`, or the running node's install prefix) so no download happens.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const nodeGyp = require.resolve("node-gyp/bin/node-gyp.js");

function nodeDir() {
  for (const dir of [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), "/usr"]) {
    if (dir && existsSync(join(dir, "include", "node", "node_api.h"))) return dir;
  }
  return undefined;
}

const dir = nodeDir();
const common = dir ? [`--nodedir=${dir}`] : [];
const run = (args) => execFileSync(process.execPath, [nodeGyp, ...args, ...common], { cwd: root, stdio: "inherit" });

if (!existsSync(join(root, "build", "Makefile")) || process.argv.includes("--rebuild")) run(["configure"]);
run(["build", "-j", "max"]);
