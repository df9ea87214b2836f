import { existsSync } from "node:fs";
import { defineConfig } from "tsup";

// The peers (node-llama-cpp, js-tiktoken, @huggingface/tokenizers) are not bundled: tsup leaves
// peerDependencies out, so users install them from npm, with their own licences.
// src/tokenizer/ is filled by the tokenizer work; it becomes its own entry (loaded lazily) once present.
const tokenizerEntry: Record<string, string> = existsSync("src/tokenizer/index.ts") ? { "tokenizer/index": "src/tokenizer/index.ts" } : {};

export default defineConfig([
  {
    entry: { index: "src/index.ts", ...tokenizerEntry },
    format: ["esm", "cjs"],
    dts: { entry: { index: "src/index.ts" } },
    sourcemap: true,
    clean: false,
    shims: true,
    target: "node20",
  },
  {
    entry: { bin: "src/bin.ts", worker: "src/worker.ts" },
    format: ["esm"],
    sourcemap: true,
    clean: false,
    target: "node20",
  },
]);
