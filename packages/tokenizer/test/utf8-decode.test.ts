// The short-string UTF-8 decoder must agree with TextDecoder (BOM kept) on any bytes.
import { describe, expect, it } from "vitest";
import { decodeUtf8, decodeUtf8Strict } from "../src/utf8-decode.js";
import { randomText, rng } from "./reference.js";

const reference = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const strictReference = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const strictOrUndefined = (b: Uint8Array) => {
  try {
    return strictReference.decode(b);
  } catch {
    return undefined;
  }
};

describe("decodeUtf8", () => {
  it("equals TextDecoder on valid, malformed, truncated and long input", () => {
    const next = rng(31);
    const samples: number[][] = [
      [], [0xef, 0xbb, 0xbf, 0x41], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
      [0xf0, 0x9f, 0x98, 0x80], [0xe2, 0x82], [0xc3], [0xff], [0x80], [0xc4, 0xa0, 0x74],
      [...new TextEncoder().encode("中😀".repeat(20))], [...new TextEncoder().encode("中😀".repeat(20)), 0xe2],
    ];
    const valid = new TextEncoder().encode("aĠé中😀\u2581\ufeff");
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(next() * 80);
      const bytes: number[] = [];
      for (let k = 0; k < n; k++) {
        const r = next();
        bytes.push(r < 0.6 ? valid[Math.floor(next() * valid.length)]! : Math.floor(next() * 256));
      }
      samples.push(bytes);
    }
    for (let i = 0; i < 2000; i++) samples.push([...new TextEncoder().encode(randomText(next, Math.floor(next() * 40)))]);
    for (const s of samples) {
      const buf = Uint8Array.from([7, ...s, 7]);
      expect(decodeUtf8(buf, 1, buf.length - 1), s.join(",")).toBe(reference.decode(buf.subarray(1, buf.length - 1)));
      expect(decodeUtf8Strict(buf, 1, buf.length - 1), `strict ${s.join(",")}`).toBe(strictOrUndefined(buf.subarray(1, buf.length - 1)));
    }
    // both outcomes of the strict decoder occur, short and long
    const outcomes = samples.map((s) => [s.length > 64, decodeUtf8Strict(Uint8Array.from(s), 0, s.length) === undefined].join());
    expect(new Set(outcomes).size).toBe(4);
  });
});
