import { readFileSync } from "node:fs";
import { tokenizerFromGGUFBytes } from "@ryzen/tokenizer";
import { mixedText } from "./corpus.js";
const t = tokenizerFromGGUFBytes(readFileSync("/work/shared/tokenizer-vectors/" + (process.argv[2] ?? "llama3-vocab.gguf")));
const text = process.argv[3] === "a" ? "a".repeat(65536) : mixedText(1 << 20);
for (let i = 0; i < Number(process.argv[4] ?? 3); i++) { const t0 = performance.now(); const ids = t.encode(text); console.log(ids.length, (performance.now() - t0).toFixed(1), "ms"); }
