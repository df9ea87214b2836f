// Loading the addon: prebuilt binaries are found without a build directory, and a package
// without a loadable binary fails with one NATIVE_LOAD error that says how to rebuild.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KernelError, REBUILD_COMMAND, loadNativeFrom, nativeCandidates, type NativeAddon } from "../src/index";
import { packageRoot } from "../src/native";

// The binary this process loaded (RYZEN_KERNELS_BINARY may point at it); the override is then
// cleared so the search order itself is tested.
const loadedBinary = nativeCandidates(packageRoot)[0];
const forced = process.env.RYZEN_KERNELS_BINARY;
delete process.env.RYZEN_KERNELS_BINARY;

const dirs: string[] = [];
afterAll(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  if (forced !== undefined) process.env.RYZEN_KERNELS_BINARY = forced;
});

function packageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ryzen-loader-"));
  dirs.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "@ryzen/kernels" }));
  return dir;
}

const tuple = `${process.platform}-${process.arch}`;

describe("native loader", () => {
  it("loads a prebuilt binary from prebuilds/<platform>-<arch> with no build directory", () => {
    const dir = packageDir();
    mkdirSync(join(dir, "prebuilds", tuple), { recursive: true });
    copyFileSync(loadedBinary, join(dir, "prebuilds", tuple, "@ryzen+kernels.node"));
    expect(nativeCandidates(dir)).toEqual([join(dir, "prebuilds", tuple, "@ryzen+kernels.node")]);
    const addon = loadNativeFrom<NativeAddon>(dir);
    expect(addon.cpuInfo().available).toContain("scalar");
    expect(addon.typeName(35)).toBe("tq2_0");
  });

  it("tries the prebuilt binary first unless a local build is newer", () => {
    const dir = packageDir();
    const pre = join(dir, "prebuilds", tuple, "@ryzen+kernels.node");
    const local = join(dir, "build", "Release", "ryzen_kernels.node");
    mkdirSync(join(dir, "prebuilds", tuple), { recursive: true });
    mkdirSync(join(dir, "build", "Release"), { recursive: true });
    writeFileSync(pre, "x");
    writeFileSync(local, "x");
    utimesSync(local, new Date(1000), new Date(1000));
    expect(nativeCandidates(dir)).toEqual([pre, local]);
    utimesSync(local, new Date(), new Date(Date.now() + 60_000));
    expect(nativeCandidates(dir)).toEqual([local, pre]);
  });

  it("throws one NATIVE_LOAD KernelError naming the platform and the rebuild command", () => {
    const dir = packageDir();
    mkdirSync(join(dir, "prebuilds", tuple), { recursive: true });
    writeFileSync(join(dir, "prebuilds", tuple, "@ryzen+kernels.node"), "not an ELF file");
    let caught: unknown;
    try {
      loadNativeFrom(dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KernelError);
    const err = caught as KernelError;
    expect(err.code).toBe("NATIVE_LOAD");
    expect(err.message).toContain(tuple);
    expect(err.message).toContain(REBUILD_COMMAND);
    expect(REBUILD_COMMAND).toBe("pnpm --filter @ryzen/kernels build");
    expect(err.message).toContain("@ryzen+kernels.node"); // says what was tried
  });

  it("fails the same way for an empty package directory", () => {
    expect(() => loadNativeFrom(packageDir())).toThrow(expect.objectContaining({ code: "NATIVE_LOAD" }));
  });
});
