// ryzen tokenize: token ids of a text, from the GGUF's tokenizer metadata only (no weights
// are read, so it works on vocab-only GGUF files too).
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { readGGUFHeader } from "../gguf-header.js";
import { resolveModelPath } from "../model-source.js";

const spec: CommandSpec = {
  name: "tokenize",
  summary: "print the token ids of a text (works on vocab-only GGUF files)",
  positionals: [{ name: "model", description: "GGUF file (full model or vocab-only), hf: URI or URL" }],
  options: {
    text: { kind: "string", required: true, valueName: "TEXT", description: "the text to tokenize" },
    "no-bos": { kind: "boolean", description: "do not add the BOS token (default: add it if the vocabulary does)" },
    "parse-special": { kind: "boolean", description: "turn special-token text such as <|eot_id|> into its id" },
    json: { kind: "boolean", description: 'print { "ids": [...] }' },
  },
  epilog: 'Example:\n  ryzen tokenize model.gguf --text "Hello world" --json',
};

const command: Command = {
  spec,
  async run(args, io) {
    const path = await resolveModelPath(args.positional(0), io);
    const { tokenizerFromGGUF } = await import("@ryzen/tokenizer");
    const tokenizer = tokenizerFromGGUF((await readGGUFHeader(path)).metadata);
    const encodeOptions: { addBos?: boolean; parseSpecial: boolean } = { parseSpecial: args.bool("parse-special") };
    if (args.bool("no-bos")) encodeOptions.addBos = false;
    const ids = tokenizer.encode(args.str("text") as string, encodeOptions);
    if (args.bool("json")) {
      io.stdout.write(`${JSON.stringify({ ids })}\n`);
      return;
    }
    const width = String(Math.max(0, ...ids)).length;
    for (const id of ids) io.stdout.write(`${String(id).padStart(width)} -> ${JSON.stringify(tokenizer.tokenToPiece(id))}\n`);
  },
};
export default command;
