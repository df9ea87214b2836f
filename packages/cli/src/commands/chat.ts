// ryzen chat: an interactive conversation using the model's chat template.
import { createInterface } from "node:readline";
import type { CommandSpec } from "../args.js";
import type { Command } from "../command.js";
import { CTX_OPTION, KV_TYPE_OPTION, loadModelFromArg, THREADS_OPTION } from "../load-model.js";
import { isAbortError } from "../errors.js";
import { samplingFromArgs, samplingOptionSpecs } from "../sampling-options.js";

const spec: CommandSpec = {
  name: "chat",
  summary: "interactive chat using the model's chat template",
  positionals: [{ name: "model", description: "GGUF file, hf:owner/repo/file.gguf or https URL" }],
  options: {
    system: { kind: "string", valueName: "TEXT", description: "system prompt" },
    ...samplingOptionSpecs(1024, "most tokens per reply"),
    threads: THREADS_OPTION,
    ctx: CTX_OPTION,
    "kv-type": KV_TYPE_OPTION,
  },
  epilog: "Type a message and press Enter. Ctrl-C stops the current reply; /exit (or Ctrl-D) leaves.",
};

const command: Command = {
  spec,
  async run(args, io) {
    const { model } = await loadModelFromArg(args.positional(0), io, { threads: args.num("threads"), contextLength: args.num("ctx"), kvType: args.str("kv-type") });
    const messages: { role: string; content: string }[] = [];
    const system = args.str("system");
    if (system) messages.push({ role: "system", content: system });
    const interactive = Boolean(io.stdin.isTTY);
    const rl = createInterface({ input: io.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
    let current: AbortController | null = null;
    // Ctrl-C: stop the reply in progress; at the prompt, leave.
    const onInterrupt = () => {
      if (current) current.abort();
      else rl.close();
    };
    rl.on("SIGINT", onInterrupt);
    process.on("SIGINT", onInterrupt);
    if (interactive) io.stderr.write("Chat started. Ctrl-C stops a reply, /exit leaves.\n");
    try {
      const lines = rl[Symbol.asyncIterator]();
      // Lines typed (or piped) while a reply streams are buffered by the iterator, not lost.
      for (;;) {
        if (interactive) {
          rl.setPrompt("> ");
          rl.prompt();
        }
        const next = await lines.next();
        if (next.done) break;
        const line = (next.value as string).trim();
        if (line === "/exit" || line === "/quit") break;
        if (line === "") continue;
        messages.push({ role: "user", content: line });
        const prompt = model.applyChatTemplate(messages, { addGenerationPrompt: true });
        current = new AbortController();
        let reply = "";
        try {
          const generation = model.generate(prompt, {
            ...samplingFromArgs(args),
            parseSpecial: true,
            onContextFull: "shift",
            signal: current.signal,
          });
          generation.result.catch(() => {});
          for await (const piece of generation) {
            reply += piece.text;
            io.stdout.write(piece.text);
          }
          await generation.result;
        } catch (err) {
          if (!isAbortError(err)) throw err;
        } finally {
          current = null;
        }
        io.stdout.write("\n");
        messages.push({ role: "assistant", content: reply });
      }
    } finally {
      process.off("SIGINT", onInterrupt);
      rl.close();
      model.dispose();
    }
  },
};
export default command;
