// ryzen pull: download a model into the cache (resuming a partial download).
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { formatBytes } from "../format.js";
import { withInterrupt } from "../interrupt.js";
import { fetchRemoteModel } from "../model-source.js";
import { parseModelUri, resolveCacheDir } from "../pull/uri.js";

const spec: CommandSpec = {
  name: "pull",
  summary: "download a model into the cache (resumes partial downloads)",
  positionals: [{ name: "model", description: "hf:owner/repo[@revision]/path/file.gguf or an http(s) URL" }],
  options: {
    force: { kind: "boolean", description: "download again even if the file is already cached" },
    json: { kind: "boolean", description: 'print { "path", "bytes", "cached", "resumed_from" }' },
  },
  epilog: [
    "The cache is ~/.cache/ryzen (or $XDG_CACHE_HOME/ryzen); RYZEN_CACHE_DIR overrides it.",
    "hf: URIs resolve to https://huggingface.co/<owner>/<repo>/resolve/<revision>/<path>;",
    "RYZEN_HF_ENDPOINT (or HF_ENDPOINT) overrides the host, HF_TOKEN authenticates gated repos.",
    "",
    "Example:",
    "  ryzen pull hf:ggml-org/models/tinyllamas/stories260K.gguf",
  ].join("\n"),
};

const command: Command = {
  spec,
  async run(args, io) {
    const uri = parseModelUri(args.positional(0));
    if (uri.kind === "file") throw new UsageError(`pull: expected hf:owner/repo/file.gguf or an http(s) URL, got "${uri.path}"`);
    // Ctrl-C leaves the partial download in place for the next attempt to resume.
    const r = await withInterrupt((signal) => fetchRemoteModel(uri, io, { force: args.bool("force"), signal }));
    if (args.bool("json")) {
      io.stdout.write(`${JSON.stringify({ path: r.path, bytes: r.bytes, cached: r.cached, resumed_from: r.resumedFrom })}\n`);
      return;
    }
    const how = r.cached ? "already cached" : r.resumedFrom > 0 ? `resumed at ${formatBytes(r.resumedFrom)}` : "downloaded";
    io.stderr.write(`${how}: ${formatBytes(r.bytes)} in ${resolveCacheDir()}\n`);
    io.stdout.write(`${r.path}\n`);
  },
};
export default command;
