// The sampling flags shared by `run` and `chat`: one table for parsing and help, one mapping
// to the runtime's GenerateOptions (unset flags are left out so the runtime defaults apply).
import type { OptionSpec, ParsedArgs } from "./args.js";
import type { GenerateOptions } from "./runtime.js";

export function samplingOptionSpecs(maxTokensDefault: number, maxTokensDescription: string): Record<string, OptionSpec> {
  return {
    "max-tokens": { kind: "int", short: "n", min: 1, default: maxTokensDefault, description: maxTokensDescription },
    temperature: { kind: "number", min: 0, default: 0.8, valueName: "T", description: "sampling temperature; 0 = greedy" },
    "top-k": { kind: "int", min: 0, default: 40, valueName: "K", description: "keep the K most likely tokens (0 = off)" },
    "top-p": { kind: "number", min: 0, max: 1, default: 0.95, valueName: "P", description: "nucleus sampling threshold (1 = off)" },
    "min-p": { kind: "number", min: 0, max: 1, default: 0.05, valueName: "P", description: "drop tokens below P × the top probability (0 = off)" },
    "repeat-penalty": { kind: "number", min: 0.01, max: 100, valueName: "X", description: "penalize recently seen tokens by X (llama.cpp's repeat penalty; 1 = off, the default)" },
    "repeat-last-n": { kind: "int", min: 0, valueName: "N", description: "how many recent tokens the repeat penalty looks at (default 64)" },
    "frequency-penalty": { kind: "number", min: -2, max: 2, valueName: "X", description: "subtract X × a token's count so far (0 = off)" },
    "presence-penalty": { kind: "number", min: -2, max: 2, valueName: "X", description: "subtract X from every token seen so far (0 = off)" },
    seed: { kind: "int", valueName: "S", description: "random seed (default: random)" },
  };
}

const FLAG_TO_OPTION = {
  "max-tokens": "maxTokens",
  temperature: "temperature",
  "top-k": "topK",
  "top-p": "topP",
  "min-p": "minP",
  "repeat-penalty": "repeatPenalty",
  "repeat-last-n": "repeatLastN",
  "frequency-penalty": "frequencyPenalty",
  "presence-penalty": "presencePenalty",
  seed: "seed",
} as const satisfies Record<string, keyof GenerateOptions>;

export function samplingFromArgs(args: ParsedArgs): GenerateOptions {
  const options: GenerateOptions = {};
  for (const [flag, key] of Object.entries(FLAG_TO_OPTION)) {
    const value = args.num(flag);
    if (value !== undefined) options[key] = value;
  }
  return options;
}
