// One binary for every CPU: SIMD code must live only in the ISA translation units, and a CPU
// without AVX must get the scalar path with the same answers.
//  1. Disassemble the loaded addon: every function that contains a VEX/EVEX instruction or an
//     AVX-512 mask-register op must belong to ryzen::avx2:: or ryzen::avx512:: (the ISA rule:
//     a shared inline/template copy compiled with SIMD flags could otherwise be the one the linker
//     keeps, and crash a CPU without that ISA).
//  2. Run the addon under qemu-user emulating a Nehalem CPU (SSE4.2, no AVX): detection must
//     report scalar only, RYZEN_ISA=avx512 must clamp to scalar, and results must equal this
//     machine's scalar path bit for bit. (QEMU's emulator still executes AVX opcodes when asked,
//     so this checks detection and dispatch; part 1 is what shows no SIMD code is reachable
//     outside the dispatched kernels.)
//  3. Kernels that prefetch weights have both the L1 and the L2 form (chosen at run time).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nativeCandidates } from "../src/index";
import { packageRoot } from "../src/native";

const binary = nativeCandidates(packageRoot)[0];
const hasTool = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
const hasObjdump = hasTool("objdump", ["--version"]);
const hasQemu = process.arch === "x64" && hasTool("qemu-x86_64", ["-version"]);

let disassembly: string | undefined;
/** Demangled names of the functions in the addon with an instruction matching `insn`. */
function functionsWith(insn: RegExp): string[] {
  disassembly ??= execFileSync("objdump", ["-d", "--no-show-raw-insn", "-C", binary], { maxBuffer: 1 << 30, encoding: "utf8" });
  const found = new Set<string>();
  let fn = "";
  for (const line of disassembly.split("\n")) {
    const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (head) {
      fn = head[1];
      continue;
    }
    if (insn.test(line)) found.add(fn);
  }
  return [...found];
}

/** Functions that contain SIMD-extension instructions (`tiles`: AMX tile instructions only). */
function simdFunctions(tiles = false): string[] {
  // AT&T mnemonics: every VEX/EVEX instruction starts with "v"; k* are AVX-512 mask ops.
  // AMX: tile loads/stores/config and tdp* products.
  return functionsWith(
    tiles
      ? /\t(tileloadd|tileloaddt1|tilestored|tilezero|tilerelease|ldtilecfg|sttilecfg|tdp[a-z0-9]+)\s/
      : /\t(v[a-z0-9]+|k(mov|and|or|xor|not|shift|test|unpck|add)[a-z0-9]*|tileloadd|tilestored|tilezero|tilerelease|ldtilecfg|tdp[a-z0-9]+)\s/,
  );
}

describe("ISA isolation in the single binary", () => {
  it.skipIf(!hasObjdump)("keeps every SIMD instruction inside ryzen::avx2 / ryzen::avx512 / ryzen::amx functions", () => {
    const fns = simdFunctions();
    // The check is only meaningful if the disassembly does find the SIMD kernels.
    expect(fns.some((f) => f.startsWith("ryzen::avx512::"))).toBe(true);
    expect(fns.some((f) => f.startsWith("ryzen::avx2::"))).toBe(true);
    const outside = fns.filter((f) => !/^(void |[\w:<>*& ]+ )?ryzen::(avx2|avx512|amx)::/.test(f));
    expect(outside).toEqual([]);
    // tile instructions only in the AMX kernel's namespace (it runs only where amx_ready())
    const tiles = simdFunctions(true);
    expect(tiles.some((f) => f.startsWith("ryzen::amx::"))).toBe(true);
    expect(tiles.filter((f) => !/^(void |[\w:<>*& ]+ )?ryzen::amx::/.test(f))).toEqual([]);
  });
});

describe("weight prefetches", () => {
  // Kernels prefetch weights into L1 (prefetcht0, AMD) or L2 (prefetcht1, Intel), chosen at run
  // time (core/prefetch.h), so a kernel that has one form must have the other. GCC 12 once split
  // the L2 branch of a prefetch helper into a part it judged free of side effects and deleted it:
  // Intel decode lost its prefetches (~30 % slower) with no test failing. Activation and panel
  // prefetches are L1 only by design (the MAD and AMX prefill kernels, the activation quantizer).
  it.skipIf(!hasObjdump)("every kernel that prefetches into L1 also prefetches into L2, and the reverse", () => {
    const l1 = functionsWith(/\tprefetcht0\s/), l2 = functionsWith(/\tprefetcht1\s/);
    expect(l2.filter((f) => /ryzen::avx512::/.test(f)).length).toBeGreaterThan(5);
    expect(l2.filter((f) => /ryzen::avx2::/.test(f)).length).toBeGreaterThan(5);
    const l1ByDesign = /ryzen::amx::|mad_block_by|mad_tokens|mad_compute|ternary_mad_record/;
    expect(l1.filter((f) => !l2.includes(f) && !l1ByDesign.test(f))).toEqual([]);
    expect(l2.filter((f) => !l1.includes(f))).toEqual([]);
  });
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Runs in a child process: prints cpuInfo and a few matmul results as JSON.
const probeScript = (indexUrl: string) => `
const K = await import(${JSON.stringify(indexUrl)});
const info = K.cpuInfo();
const k = 512, rows = 40, tokens = 3;
const w = new Float32Array(rows * k).map((_, i) => ((i * 7919) % 3) - 1);
const x = new Float32Array(k * tokens).map((_, i) => Math.sin(i * 0.37) * 3);
const out = {};
for (const name of ["I2_S", "TQ2_0", "TQ1_0", "Q8_0", "Q4_0"]) {
  const type = K.GGMLType[name];
  const W = K.Tensor.from(type, [k, rows], K.quantize(type, w, rows, k)).prepare();
  const X = K.Tensor.fromFloat32([k, tokens], x);
  const Y = K.Tensor.empty(K.GGMLType.F32, [rows, tokens]);
  K.runOp("matmul", [Y, W, X]);
  out[name] = Array.from(Y.f32());
}
console.log(JSON.stringify({ isa: info.isa, available: info.available, avx: info.features.avx, results: out }));
`;

function runProbe(env: NodeJS.ProcessEnv, qemuCpu?: string): { isa: string; available: string[]; avx: boolean; results: Record<string, number[]> } {
  const dir = mkdtempSync(join(tmpdir(), "ryzen-isa-"));
  dirs.push(dir);
  const script = join(dir, "probe.mjs");
  writeFileSync(script, probeScript(new URL("../dist/index.js", import.meta.url).href));
  const [cmd, args] = qemuCpu ? ["qemu-x86_64", ["-cpu", qemuCpu, process.execPath, script]] : [process.execPath, [script]];
  const out = execFileSync(cmd, args, { env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 });
  return JSON.parse(out.trim().split("\n").pop()!);
}

describe("a CPU without AVX (qemu-user, Nehalem)", () => {
  it.skipIf(!hasQemu)("detects scalar only, clamps RYZEN_ISA=avx512, and matches the scalar path exactly", () => {
    const reference = runProbe({ RYZEN_ISA: "scalar" });
    expect(reference.isa).toBe("scalar");
    const emulated = runProbe({ RYZEN_ISA: "avx512" }, "Nehalem");
    expect(emulated.avx).toBe(false);
    expect(emulated.available).toEqual(["scalar"]);
    expect(emulated.isa).toBe("scalar");
    expect(Object.keys(emulated.results)).toHaveLength(5);
    expect(emulated.results).toEqual(reference.results);
  }, 180_000);
});
