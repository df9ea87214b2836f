// ryzen info: describe a GGUF file from its header (no weights are loaded).
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { formatBytes, formatCount } from "../format.js";
import { summarizeGGUF, type ModelSummary } from "../gguf-summary.js";
import { resolveModelPath } from "../model-source.js";
import { loadRuntime } from "../runtime.js";

const spec: CommandSpec = {
  name: "info",
  summary: "architecture, parameters, tensor types, context length and tokenizer of a GGUF file",
  positionals: [{ name: "model", description: "GGUF file, hf:owner/repo/file.gguf or https URL" }],
  options: {
    json: { kind: "boolean", description: "print the summary as one JSON object" },
  },
  epilog: [
    "JSON fields: file, file_bytes, gguf_version, architecture, name, parameters, tensor_count,",
    "tensor_types { <type>: { count, bytes } }, context_length, embedding_length, block_count,",
    "head_count, head_count_kv, vocab_size, tokenizer { model, pre, vocab_size, bos_id, eos_id }, chat_template.",
  ].join("\n"),
};

function formatSummary(s: ModelSummary): string {
  const na = (v: unknown) => (v === null || v === undefined ? "-" : String(v));
  const rows: [string, string][] = [
    ["file", `${s.file} (${formatBytes(s.file_bytes)}, GGUF v${s.gguf_version})`],
    ["architecture", na(s.architecture)],
    ["name", na(s.name)],
    ["parameters", `${formatCount(s.parameters)} (${s.parameters})`],
    ["context length", na(s.context_length)],
    ["embedding", na(s.embedding_length)],
    ["blocks", na(s.block_count)],
    ["heads (kv)", s.head_count === null ? "-" : `${s.head_count} (${na(s.head_count_kv)})`],
    ["tokenizer", `${na(s.tokenizer.model)}${s.tokenizer.pre ? ` / ${s.tokenizer.pre}` : ""}, ${na(s.tokenizer.vocab_size)} tokens, bos ${na(s.tokenizer.bos_id)}, eos ${na(s.tokenizer.eos_id)}`],
    ["chat template", s.chat_template ? "yes" : "no"],
    ["tensors", String(s.tensor_count)],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(15)}${v}`);
  for (const [type, t] of Object.entries(s.tensor_types).sort((a, b) => b[1].bytes - a[1].bytes)) {
    lines.push(`  ${type.padEnd(13)}${String(t.count).padStart(5)} tensors  ${formatBytes(t.bytes).padStart(10)}`);
  }
  return lines.join("\n") + "\n";
}

const command: Command = {
  spec,
  async run(args, io) {
    const path = await resolveModelPath(args.positional(0), io);
    const { readGGUF } = await loadRuntime();
    const summary = summarizeGGUF(path, await readGGUF(path));
    io.stdout.write(args.bool("json") ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  },
};
export default command;
