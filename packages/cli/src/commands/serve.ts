// ryzen serve: the OpenAI-compatible HTTP server.
import { basename } from "node:path";
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { CTX_OPTION, KV_TYPE_OPTION, loadModelFromArg, THREADS_OPTION } from "../load-model.js";
import { createApiServer, type ServedModel } from "../serve/server.js";

const spec: CommandSpec = {
  name: "serve",
  summary: "OpenAI-compatible HTTP server: /v1/chat/completions, /v1/completions, /v1/models, /health",
  positionals: [{ name: "model", description: "GGUF file, hf:owner/repo/file.gguf or https URL" }],
  options: {
    host: { kind: "string", default: "127.0.0.1", valueName: "ADDR", description: "address to listen on (use 0.0.0.0 to expose it)" },
    port: { kind: "int", min: 0, max: 65535, default: 8080, description: "TCP port (0 = any free port)" },
    parallel: { kind: "int", min: 1, max: 256, default: 4, description: "sequences generated concurrently (KV slots)" },
    queue: { kind: "int", min: 0, default: 64, description: "requests waiting for a slot before 429" },
    "api-key": { kind: "string", valueName: "KEY", description: "require Authorization: Bearer KEY on /v1/*" },
    alias: { kind: "string", valueName: "NAME", description: "model id reported to clients (default: the file name)" },
    threads: THREADS_OPTION,
    ctx: CTX_OPTION,
    "kv-type": KV_TYPE_OPTION,
  },
  epilog: [
    "Streams with stream: true as server-sent events in OpenAI's chunk format, ending with data: [DONE].",
    "Stops gracefully on SIGINT/SIGTERM (in-flight requests get 5 s to finish).",
    "",
    "Example:",
    "  ryzen serve model.gguf --port 8080 --parallel 4",
    "  curl http://127.0.0.1:8080/v1/chat/completions -H 'content-type: application/json' \\",
    "    -d '{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'",
  ].join("\n"),
};

const command: Command = {
  spec,
  async run(args, io) {
    const ref = args.positional(0);
    const { model } = await loadModelFromArg(ref, io, {
      threads: args.num("threads"),
      contextLength: args.num("ctx"),
      kvType: args.str("kv-type"),
      maxSequences: args.num("parallel"),
      maxQueue: args.num("queue"),
    });
    const modelId = args.str("alias") ?? basename(ref).replace(/\.gguf$/i, "");
    const verbose = args.bool("verbose");
    const api = createApiServer({
      model: model satisfies ServedModel,
      modelId,
      apiKey: args.str("api-key"),
      log: verbose ? (line) => io.stderr.write(`${line}\n`) : undefined,
    });
    // Signal handlers go in before the "listening" line, so a supervisor can stop us right after it.
    let stopping = false;
    let onStopped: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (onStopped = resolve));
    const stop = (signal: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      io.stderr.write(`ryzen serve: ${signal}, shutting down\n`);
      api.close(5000).then(onStopped, onStopped);
    };
    const onSigint = () => stop("SIGINT");
    const onSigterm = () => stop("SIGTERM");
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
    try {
      const address = await api.listen(args.num("port") as number, args.str("host") as string);
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      io.stdout.write(`ryzen serve: listening on http://${host}:${address.port} (model ${modelId})\n`);
      await stopped;
    } finally {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      model.dispose();
    }
    return 0;
  },
};
export default command;
