// Runs test suites against an AddressSanitizer + UndefinedBehaviorSanitizer build of the addon,
// so an out-of-bounds access, a use after free or undefined behaviour (e.g. a signed overflow) in
// native code fails the run instead of passing by luck.
//
//   node scripts/test-sanitized.mjs [--packages kernels,runtime,cli] [extra vitest arguments]
//
// --packages names workspace packages (directories beside this one) whose vitest suites run on
// the instrumented binary, in turn (default: kernels). They see RYZEN_SANITIZED=1, so tests whose
// bounds assume an uninstrumented process (RSS) can skip themselves.
//
// Linux with GCC (node-gyp's compiler here): the sanitizer runtimes are preloaded into node, which
// is not instrumented itself. The instrumented build lives in a staging directory under the OS
// temp dir, leaving build/ to the normal binary: native/ is a symlink, so it always builds the
// current sources, incrementally as build-native.mjs does (reconfigured when the set of sources
// changes). Leak detection is off: node itself does not free everything at exit.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildAddon } from "./build-native.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
// one staging directory per checkout: its symlinks point at this package's sources
const stage = join(tmpdir(), `ryzen-kernels-sanitized-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`);
// -O1 (after binding.gyp's -O3, so it wins): also proves the SIMD code builds without -O3's
// unrolling, which intrinsics with immediate operands can silently depend on.
const sanitize = "-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g";

function stageSources() {
  mkdirSync(stage, { recursive: true });
  for (const file of ["package.json", "binding.gyp"]) copyFileSync(join(root, file), join(stage, file));
  for (const dir of ["native", "node_modules"]) if (!existsSync(join(stage, dir))) symlinkSync(join(root, dir), join(stage, dir), "dir");
}

function build() {
  buildAddon({ tree: stage, env: { ...process.env, CFLAGS: sanitize, CXXFLAGS: sanitize, LDFLAGS: sanitize } });
  return join(stage, "build", "Release", "ryzen_kernels.node");
}

const runtime = (lib) => execFileSync("g++", [`-print-file-name=${lib}`], { encoding: "utf8" }).trim();

const argv = process.argv.slice(2);
const at = argv.indexOf("--packages");
const packages = at >= 0 ? argv.splice(at, 2)[1].split(",") : ["kernels"];

stageSources();
const binary = build();
const vitest = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");
const env = {
  ...process.env,
  RYZEN_SANITIZED: "1",
  RYZEN_KERNELS_BINARY: binary,
  LD_PRELOAD: `${runtime("libasan.so")} ${runtime("libubsan.so")}`,
  ASAN_OPTIONS: "detect_leaks=0:halt_on_error=1",
  UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
};
let failed = 0;
for (const name of packages) {
  // qemu-user cannot host the sanitizer runtime: the ISA-isolation test runs on the normal build only.
  const exclude = name === "kernels" ? ["--exclude", "test/isa-isolation.test.ts"] : [];
  try {
    execFileSync(process.execPath, [vitest, "run", ...exclude, ...argv], { cwd: join(root, "..", name), stdio: "inherit", env });
  } catch (err) {
    failed = err.status ?? 1;
  }
}
process.exit(failed);
