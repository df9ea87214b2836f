// Run the tokenizer benchmark directly: pnpm exec tsx packages/bench/src/tokenizer/main.ts [--quick] [--json]
import { formatTokenizerBench, runTokenizerBench } from "./index.js";

const report = await runTokenizerBench({ quick: process.argv.includes("--quick") });
console.log(process.argv.includes("--json") ? JSON.stringify(report, null, 2) : formatTokenizerBench(report));
