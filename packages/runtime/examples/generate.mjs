// Runnable example: node packages/runtime/examples/generate.mjs [model.gguf] [prompt]
// (after `pnpm build`; defaults to ../shared/models/stories260K.gguf beside the repository).
import { fileURLToPath } from "node:url";
import { loadModel } from "@ryzen/runtime";

const path = process.argv[2] ?? fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));
const prompt = process.argv[3] ?? "Once upon a time";

const model = await loadModel(path, { threads: 2 });
console.log(`${model.info.architecture} ${model.info.name}: ${model.info.blockCount} layers, vocab ${model.info.vocabSize}`);

// Stream a greedy continuation.
const gen = model.generate(prompt, { temperature: 0, maxTokens: 64 });
process.stdout.write(prompt);
for await (const { text } of gen) process.stdout.write(text);
const { finishReason, timings } = await gen.result;
console.log(`\n[${finishReason}; ttft ${timings.ttftMs.toFixed(1)} ms; ${timings.decodeTokensPerS.toFixed(0)} tok/s]`);

// Several generations at once share the model: their decode steps are batched.
const stories = await Promise.all(
  ["The cat", "Lily and Ben", "One day"].map((p) =>
    model.generate(p, { temperature: 0.8, topK: 40, seed: 1, maxTokens: 32 }).result,
  ),
);
for (const s of stories) console.log("-", s.text.trim().split("\n")[0]);

// Logits for perplexity or tests.
const logits = await model.evaluate(model.tokenize("Once upon a time"));
console.log("logits of the next token:", logits.length);

model.dispose();
