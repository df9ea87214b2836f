// Seeded structural fuzzing of stories260K through the whole stack: one metadata value, metadata
// key, tensor type, tensor shape or a few tensor values changed, then load + generate. A file that
// is still a valid model must run; any other must fail with a typed error naming the problem
// (never a plain Error/TypeError/RangeError, a crash or a hang). The byte-level corruptions of the
// reader are in gguf-robustness.test.ts; these files parse, so they reach the model checks and
// the native kernels. (Run under the kernels' sanitizer build, 1600 such cases were clean.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TokenizerError } from "@ryzen/tokenizer";
import { afterAll, describe, expect, it } from "vitest";
import { GGUFFormatError, GGUFValueType, GGUFWriter, readGGUFFromBytes, RyzenError, loadModel, type GGUFValue } from "../src/index.js";
import { STORIES } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-model-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const src = readFileSync(STORIES);
const file = readGGUFFromBytes(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
const keys = [...file.metadata.keys()];
// ggml types: formats the engine runs, ones it does not (K-quants, IQ*), integers, and unknown ids
const TYPE_IDS = [0, 1, 2, 3, 6, 8, 10, 12, 13, 14, 16, 20, 24, 25, 26, 27, 28, 30, 34, 35, 36, 99];

interface Mutation {
  what: string;
  key?: string;
  value?: (v: GGUFValue) => GGUFValue;
  drop?: string;
  tensor?: string;
  change?: (t: { data: Uint8Array; shape: number[]; type: number }) => void;
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function mutations(seed: number, count: number): Mutation[] {
  const rnd = lcg(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const newValue = (v: GGUFValue): GGUFValue => {
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const a = Array.from(v as ArrayLike<unknown>);
      if (rnd() < 0.4) return a.slice(0, Math.floor(rnd() * a.length)) as GGUFValue;
      const i = Math.floor(rnd() * a.length);
      a[i] = typeof a[i] === "string" ? pick(["", "\u0000", "<0xZZ>", "x".repeat(300)]) : pick([-1, 1e9, NaN, 7]);
      return (ArrayBuffer.isView(v) ? new (v.constructor as Float32ArrayConstructor)(a as number[]) : a) as GGUFValue;
    }
    if (typeof v === "number") return pick([0, 1, 3, -1, v + 1, v - 1, v * 2, Math.floor(v / 2), 65535, 2 ** 31 - 1, 1e30, NaN, 0.5]);
    if (typeof v === "bigint") return pick([0n, 1n, 2n ** 40n]);
    if (typeof v === "string") return pick(["", "llama", "bitnet", "gpt2", "bogus", v + "x"]);
    return typeof v === "boolean" ? !v : v;
  };
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rnd();
    if (kind < 0.45) {
      const key = pick(keys);
      out.push({ what: `metadata ${key} changed`, key, value: newValue });
    } else if (kind < 0.55) {
      const key = pick(keys);
      out.push({ what: `metadata ${key} removed`, drop: key });
    } else {
      const t = pick(file.tensors);
      const c = rnd();
      if (c < 0.35) {
        const type = pick(TYPE_IDS);
        out.push({ what: `${t.name} typed ${type}`, tensor: t.name, change: (x) => void (x.type = type) });
      } else if (c < 0.7) {
        const op = rnd(), d = Math.floor(rnd() * t.shape.length);
        out.push({
          what: `${t.name} reshaped (${op.toFixed(2)}, dim ${d})`,
          tensor: t.name,
          change: (x) => {
            if (op < 0.3) x.shape.reverse();
            else if (op < 0.5) x.shape[d] *= 2;
            else if (op < 0.7) x.shape[d] = Math.max(1, x.shape[d] - 1);
            else if (op < 0.85) x.shape.push(1);
            else x.shape.splice(d, 1);
          },
        });
      } else {
        const at = Array.from({ length: 16 }, () => rnd());
        out.push({
          what: `${t.name} values set to NaN/Inf/max`,
          tensor: t.name,
          change: (x) => {
            const dv = new DataView(x.data.buffer, x.data.byteOffset, x.data.byteLength);
            at.forEach((r, j) => dv.setUint32(4 * Math.floor(r * Math.floor(x.data.length / 4)), [0x7fc00000, 0x7f800000, 0xff800000, 0x7f7fffff][j % 4], true));
          },
        });
      }
    }
  }
  return out;
}

/** The mutated file's bytes, or null when GGUFWriter itself refuses the change (e.g. a type whose
 *  size does not match the data): such files are the reader tests' business. */
function mutatedFile(m: Mutation): Uint8Array | null {
  const w = new GGUFWriter();
  try {
    for (const k of keys) {
      if (k === m.drop) continue;
      const v = file.metadata.get(k)!;
      const type = file.types.get(k);
      w.setMetadata(k, k === m.key ? m.value!(v) : v, type === GGUFValueType.ARRAY ? undefined : type);
    }
    for (const t of file.tensors) {
      const x = { data: new Uint8Array(src.buffer, src.byteOffset + t.offset, t.bytes), shape: [...t.shape], type: t.type };
      if (t.name === m.tensor) {
        x.data = x.data.slice();
        m.change!(x);
      }
      w.addTensor(t.name, x.type, x.shape, x.data);
    }
    return w.toBytes();
  } catch {
    return null;
  }
}

const typed = (e: unknown): boolean =>
  e instanceof RyzenError || e instanceof GGUFFormatError || e instanceof TokenizerError || (e instanceof Error && e.name === "KernelError" && "code" in e);

describe("structurally fuzzed models", () => {
  it("300 single changes to stories260K: each runs or fails with a typed error", async () => {
    const path = join(dir, "m.gguf");
    const outcomes = { ran: 0, typed: 0, refused: 0 };
    const untyped: string[] = [];
    for (const m of mutations(20261123, 300)) {
      const bytes = mutatedFile(m);
      if (!bytes) {
        outcomes.refused++;
        continue;
      }
      writeFileSync(path, bytes);
      try {
        const model = await loadModel(path, { contextLength: 64 });
        try {
          await model.generate("Once upon a time", { maxTokens: 8, temperature: 0 }).result;
        } finally {
          model.dispose();
        }
        outcomes.ran++;
      } catch (e) {
        if (typed(e)) outcomes.typed++;
        else untyped.push(`${m.what}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
      }
    }
    expect(untyped).toEqual([]);
    // the mix stays meaningful: plenty of files reach the model and plenty are rejected by it
    expect(outcomes.ran).toBeGreaterThan(60);
    expect(outcomes.typed).toBeGreaterThan(60);
    expect(outcomes.refused).toBeLessThan(150);
  }, 120_000);

  it("integer-typed token embeddings are refused: no model stores them, and they would decode as garbage", async () => {
    const path = join(dir, "i32-embd.gguf");
    const bytes = mutatedFile({ what: "token_embd I32", tensor: "token_embd.weight", change: (x) => void (x.type = 26) });
    writeFileSync(path, bytes!);
    await expect(loadModel(path)).rejects.toMatchObject({ code: "UNSUPPORTED_TYPE", detail: { tensor: "token_embd.weight" } });
  });
});
