// Corrupt, truncated and missing model files: every command that opens a model fails with
// exactly one line on stderr and a non-zero exit code, never a crash (signal) or a stack trace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGGUFMetadata } from "@ryzen/tokenizer";
import { afterAll, describe, expect, it } from "vitest";
import { expectOneLineError, runCli, STORIES } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ryzen-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = readFileSync(STORIES);
const DATA_OFFSET = 14176; // documented in shared/models/README.md

function variant(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function patched(offset: number, value: number[]): Uint8Array {
  const b = Uint8Array.from(good);
  b.set(value, offset);
  return b;
}

/** Byte offsets of the first tensor-table entry's first dimension and type fields. */
function firstTensorFields(): { dim0: number; type: number } {
  const { offset } = readGGUFMetadata(good);
  const view = new DataView(good.buffer, good.byteOffset, good.byteLength);
  const nameEnd = offset + 8 + Number(view.getBigUint64(offset, true));
  const dims = view.getUint32(nameEnd, true);
  return { dim0: nameEnd + 4, type: nameEnd + 4 + 8 * dims };
}
const tensor = firstTensorFields();

const files: Record<string, string> = {
  empty: variant("empty.gguf", new Uint8Array(0)),
  "bad magic": variant("magic.gguf", patched(0, [0x47, 0x47, 0x55, 0x47])),
  "bad version": variant("version.gguf", patched(4, [99, 0, 0, 0])),
  "truncated in the header": variant("t-header.gguf", good.subarray(0, 10)),
  "truncated in the metadata": variant("t-meta.gguf", good.subarray(0, 3000)),
  "truncated in the tensor table": variant("t-table.gguf", good.subarray(0, DATA_OFFSET - 500)),
  "truncated in the tensor data": variant("t-data.gguf", good.subarray(0, DATA_OFFSET + 100_000)),
  "absurd tensor count": variant("count.gguf", patched(8, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])),
  "absurd metadata count": variant("kv.gguf", patched(16, [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])),
  "unknown tensor type": variant("type99.gguf", patched(tensor.type, [99, 0, 0, 0])),
  "tensor larger than its slot": variant("dim.gguf", patched(tensor.dim0, [65, 0, 0, 0, 0, 0, 0, 0])),
  "random bytes": variant("random.gguf", Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)),
  "not a file": dir,
};

describe("bad model files give a one-line error and a non-zero exit", () => {
  for (const [what, path] of Object.entries(files)) {
    it(`run: ${what}`, async () => {
      const r = await runCli(["run", path, "-p", "hi", "-n", "4", "--temperature", "0"], { timeoutMs: 30_000 });
      expect(expectOneLineError(r)).toMatch(/^ryzen run: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it.each(["info", "tokenize", "perplexity", "quantize", "bench", "serve"])("%s: truncated file", async (cmd) => {
    const path = files["truncated in the tensor table"]!;
    const extra: Record<string, string[]> = {
      tokenize: ["--text", "hi"],
      perplexity: ["-f", STORIES],
      quantize: [join(dir, "out.gguf"), "--type", "q8_0"],
      bench: ["-r", "1", "--prompt-tokens", "4", "--gen-tokens", "2"],
      serve: ["--port", "0"],
    };
    const r = await runCli([cmd, path, ...(extra[cmd] ?? [])], { timeoutMs: 30_000 });
    // tokenize needs only the metadata, which this file has complete.
    if (cmd === "tokenize") expect(r.code).toBe(0);
    else expect(expectOneLineError(r)).toMatch(new RegExp(`^ryzen ${cmd}: `));
  });

  it("a missing file names the path", async () => {
    const r = await runCli(["info", join(dir, "nope.gguf")]);
    expect(expectOneLineError(r)).toMatch(/not found: .*nope\.gguf/);
  });

  it("--verbose adds the stack trace", async () => {
    const r = await runCli(["info", files["bad magic"]!, "--verbose"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
