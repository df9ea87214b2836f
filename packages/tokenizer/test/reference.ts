// Plain, obviously-correct (and slow) reference tokenizers, written for the tests only.
import { PATTERNS, TokenType, type GGUFValue } from "../src/index.js";

const BYTE_TO_CHAR: string[] = (() => {
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out.push(String.fromCharCode(keep ? b : 256 + n++));
  }
  return out;
})();

/** Byte-level BPE with string pieces: repeatedly merge the lowest-rank pair (leftmost on ties). */
export function referenceBpe(meta: Map<string, GGUFValue>, pattern: keyof typeof PATTERNS, ignoreMerges: boolean) {
  const { ids, word } = referenceBpeWord(meta);
  const re = new RegExp(PATTERNS[pattern], "gu");
  return (text: string): number[] => {
    const out: number[] = [];
    for (const w of text.match(re) ?? []) {
      const whole = [...new TextEncoder().encode(w)].map((b) => BYTE_TO_CHAR[b]!).join("");
      if (ignoreMerges && ids.has(whole)) out.push(ids.get(whole)!);
      else out.push(...word(w));
    }
    return out;
  };
}

/** The same merge loop for one pre-token (no splitting, no whole-token lookup). */
export function referenceBpeWord(meta: Map<string, GGUFValue>) {
  const tokens = meta.get("tokenizer.ggml.tokens") as string[];
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => { if (!ids.has(t)) ids.set(t, i); });
  const rank = new Map<string, number>();
  (meta.get("tokenizer.ggml.merges") as string[]).forEach((m, r) => { if (!rank.has(m)) rank.set(m, r); });
  const word = (w: string): number[] => {
    let parts = [...new TextEncoder().encode(w)].map((b) => BYTE_TO_CHAR[b]!);
    for (;;) {
      let best = -1, bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = rank.get(parts[i] + " " + parts[i + 1]);
        if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
      }
      if (best < 0) break;
      parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
    }
    return parts.map((p) => ids.get(p)!);
  };
  return { ids, word };
}

/** SentencePiece by scores: repeatedly merge the adjacent pair forming the highest-scoring
 *  piece (leftmost on ties); unmerged non-pieces become <0xXX> byte tokens. */
export function referenceSpm(meta: Map<string, GGUFValue>) {
  const tokens = meta.get("tokenizer.ggml.tokens") as string[];
  const scores = meta.get("tokenizer.ggml.scores") as Float32Array;
  const types = meta.get("tokenizer.ggml.token_type") as Int32Array;
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => { if (!ids.has(t)) ids.set(t, i); });
  return (text: string): number[] => {
    if (text === "") return [];
    let parts = [...(" " + text).replaceAll(" ", "\u2581")];
    for (;;) {
      let best = -1, bestScore = -Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const id = ids.get(parts[i]! + parts[i + 1]!);
        if (id !== undefined && scores[id]! > bestScore) { bestScore = scores[id]!; best = i; }
      }
      if (best < 0) break;
      parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
    }
    const out: number[] = [];
    for (const p of parts) {
      const id = ids.get(p);
      if (id !== undefined) { out.push(id); continue; }
      for (const b of new TextEncoder().encode(p)) {
        const byteId = ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)!;
        if (types[byteId] !== TokenType.BYTE) throw new Error("not a byte token");
        out.push(byteId);
      }
    }
    return out;
  };
}

/** Deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [..."aaaaeeeiioouu tttnnssrrhhll  dcm.,'!?0123456789\n\t éüñ中文字😀🎉Ωжк\u0301\u00a0"];
/** Random text from a mixed alphabet (ASCII-heavy, with multi-byte and combining characters). */
export function randomText(next: () => number, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

/**
 * The textbook merge loop over a rank-ordered vocabulary `pieces` (a piece's rank is its index):
 * repeatedly join the adjacent pair whose concatenation ranks lowest; ids are indices in `pieces`.
 */
export function referenceRankMerge(pieces: readonly string[], word: string): number[] {
  let parts = [...word];
  for (;;) {
    let best = -1, bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = pieces.indexOf(parts[i]! + parts[i + 1]!);
      if (r >= 0 && r < bestRank) { bestRank = r; best = i; }
    }
    if (best < 0) return parts.map((p) => pieces.indexOf(p));
    parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
  }
}
