// Produces prebuilds/<platform>-<arch>/@ryzen+kernels.napi.node with prebuildify (N-API, stripped),
// then checks that the result loads from a package layout that has no build directory.
//
// prebuildify runs `node-gyp rebuild`, which would wipe build/ under a concurrent incremental
// build, so it runs on a copy of the sources in a temporary directory.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeDir } from "./node-dir.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const tuple = `${process.platform}-${process.arch}`;

const stage = mkdtempSync(join(tmpdir(), "ryzen-prebuildify-"));
try {
  for (const entry of ["package.json", "binding.gyp", "native"]) cpSync(join(root, entry), join(stage, entry), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(stage, "node_modules"), "dir");

  const env = { ...process.env, JOBS: process.env.JOBS ?? "max" };
  const dir = nodeDir();
  if (dir) env.npm_config_nodedir = dir;
  // The real node-gyp script (executable, with a node shebang); pnpm's .bin shims resolve
  // relative to the package and break from the staging copy.
  env.PREBUILD_NODE_GYP = require.resolve("node-gyp/bin/node-gyp.js");
  const bin = join(dirname(require.resolve("prebuildify/package.json")), "bin.js");
  execFileSync(process.execPath, [bin, "--napi", "--strip", "--target", `node@${process.versions.node}`], {
    cwd: stage,
    env,
    stdio: "inherit",
  });

  const built = join(stage, "prebuilds", tuple);
  const out = join(root, "prebuilds", tuple);
  mkdirSync(out, { recursive: true });
  const files = readdirSync(built).filter((f) => f.endsWith(".node"));
  if (files.length === 0) throw new Error(`prebuildify produced no binary in ${built}`);
  for (const f of files) cpSync(join(built, f), join(out, f));

  // Smoke test: a fresh package directory holding only package.json and the prebuild.
  const check = mkdtempSync(join(tmpdir(), "ryzen-prebuild-check-"));
  try {
    writeFileSync(join(check, "package.json"), JSON.stringify({ name: "@ryzen/kernels" }));
    cpSync(join(root, "prebuilds"), join(check, "prebuilds"), { recursive: true });
    const probe = `const m={exports:{}};process.dlopen(m,${JSON.stringify(join(check, "prebuilds", tuple, files[0]))},require("os").constants.dlopen.RTLD_NOW);const i=m.exports.cpuInfo();console.log(i.best+" "+JSON.stringify(i.libraries))`;
    const result = execFileSync(process.execPath, ["-e", probe], { encoding: "utf8" }).trim();
    console.log(`prebuilds/${tuple}/${files.join(", ")}: loads without a build directory (best ISA: ${result})`);
  } finally {
    rmSync(check, { recursive: true, force: true });
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
