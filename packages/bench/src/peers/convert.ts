import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { rename, rm } from "node:fs/promises";
import { BenchError } from "../errors.js";
import { failureReason, runTool } from "./llama-bench.js";

/** The llama-quantize next to a peer's llama-bench (cmake puts both in build/bin), or an explicit path. */
export function siblingQuantize(benchBin: string, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const p = join(dirname(benchBin), "llama-quantize");
  return existsSync(p) ? p : undefined;
}

/**
 * Makes ik_llama.cpp's IQ2_BN file from our I2_S file with ik's own llama-quantize (it reads
 * bitnet.cpp's I2_S), so ik runs the same seeded ternary weights in its own format. Cached beside
 * the source file.
 */
export async function convertToIq2bn(quantizeBin: string, i2sFile: string, timeoutMs = 30 * 60_000): Promise<string> {
  const out = i2sFile.replace(/-i2_s-/, "-iq2_bn-");
  if (out === i2sFile) throw new BenchError("BAD_OPTION", `cannot derive an IQ2_BN name from ${i2sFile}`);
  if (existsSync(out) && statSync(out).size > 0) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  // the tied embedding/head stays Q6_K like every other engine's file; only projections become IQ2_BN
  const args = ["--allow-requantize", "--token-embedding-type", "q6_K", "--output-tensor-type", "q6_K", i2sFile, tmp, "IQ2_BN"];
  const res = await runTool(quantizeBin, args, timeoutMs);
  if (res.code !== 0 || !existsSync(tmp)) {
    await rm(tmp, { force: true });
    throw new BenchError("PEER_FAILED", `ik_llama.cpp llama-quantize I2_S → IQ2_BN failed: ${failureReason(res)}`);
  }
  await rename(tmp, out);
  return out;
}
