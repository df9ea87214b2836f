// Run the tokenizer benchmark directly: pnpm exec tsx packages/bench/src/tokenizer/main.ts [--quick] [--runs N] [--json]
import { formatTokenizerBench, runTokenizerBench } from "./index.js";

const USAGE = `usage: pnpm exec tsx packages/bench/src/tokenizer/main.ts [--quick] [--runs N] [--json]
  --quick   256 KB of prose and 64 KB pathological inputs, one timed run (a smoke test)
  --runs N  timed runs per implementation and input, best taken (default 3)
  --json    print the report as JSON instead of tables
Reads ../shared/tokenizer-vectors (or $RYZEN_SHARED_DIR/tokenizer-vectors).`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const known = new Set(["--quick", "--json", "--runs"]);
const unknown = args.filter((a, i) => !known.has(a) && args[i - 1] !== "--runs");
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : undefined;
if (unknown.length > 0 || (runs !== undefined && !(Number.isInteger(runs) && runs >= 1))) {
  console.error(unknown.length > 0 ? `unknown argument: ${unknown[0]}` : `--runs needs a positive integer, got ${args[runsAt + 1]}`);
  console.error(USAGE);
  process.exit(2);
}

const report = await runTokenizerBench({ quick: args.includes("--quick"), runs });
console.log(args.includes("--json") ? JSON.stringify(report, null, 2) : formatTokenizerBench(report));
