// Reads only the header + metadata of a GGUF file: a prefix of the file is parsed, doubling
// it while the metadata runs past its end, so multi-GB models cost a few MB of reading.
import { open } from "node:fs/promises";
import { GGUFFormatError, readGGUFMetadata, type GGUFMetadata } from "@ryzen/tokenizer";

export async function readGGUFHeader(path: string, initialBytes = 1 << 20): Promise<GGUFMetadata> {
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    let want = Math.min(size, initialBytes);
    for (;;) {
      const bytes = new Uint8Array(want);
      const { bytesRead } = await file.read(bytes, 0, want, 0);
      try {
        return readGGUFMetadata(bytes.subarray(0, bytesRead));
      } catch (err) {
        if (!(err instanceof GGUFFormatError && err.code === "TRUNCATED") || want >= size) throw err;
        want = Math.min(size, want * 4);
      }
    }
  } finally {
    await file.close();
  }
}
