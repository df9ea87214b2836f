// The chat path end to end with a real Jinja chat template: stories260K re-written with a
// `tokenizer.chat_template`. `ryzen chat` and the server's /v1/chat/completions must both feed
// the model exactly the rendered template (checked against `ryzen run` on the rendered text).
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GGUFValueType, GGUFWriter, readGGUF } from "@ryzen/runtime";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startServe, stopProcess, STORIES } from "./helpers/cli.js";

const TEMPLATE =
  "{{ bos_token }}{% for m in messages %}[{{ m['role'] | upper }}] {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}[ASSISTANT]{% endif %}";
const USER = "Tell me a story about a cat.";
// Deliberately unlike the runtime's plain fallback layout ("role: content"), so a test passes only if the template ran.
const RENDERED_WITHOUT_BOS = `[USER] ${USER}\n[ASSISTANT]`;

const dir = mkdtempSync(join(tmpdir(), "ryzen-template-"));
const model = join(dir, "stories-chat.gguf");
let server: { child: ChildProcess; url: string } | undefined;

beforeAll(async () => {
  const src = await readGGUF(STORIES);
  const bytes = readFileSync(STORIES);
  const w = new GGUFWriter();
  for (const [key, value] of src.metadata) {
    const type = src.types.get(key);
    w.setMetadata(key, value, type === GGUFValueType.ARRAY ? src.arrayTypes.get(key) : type);
  }
  w.setMetadata("tokenizer.chat_template", TEMPLATE, GGUFValueType.STRING);
  for (const t of src.tensors) w.addTensor(t.name, t.type, t.shape, bytes.subarray(t.offset, t.offset + t.bytes));
  await w.write(model);
});

afterAll(async () => {
  if (server) await stopProcess(server.child);
  rmSync(dir, { recursive: true, force: true });
});

async function greedyRun(prompt: string, n: number): Promise<{ text: string; promptTokens: number[] }> {
  const r = await runCli(["run", model, "-p", prompt, "-n", String(n), "--temperature", "0", "--json"]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  return { text: out.text, promptTokens: out.prompt_tokens };
}

describe("chat template", () => {
  it("info reports the template", async () => {
    const r = await runCli(["info", model, "--json"]);
    expect(JSON.parse(r.stdout).chat_template).toBe(true);
  });

  it("ryzen chat replies to the rendered template", async () => {
    const expected = await greedyRun(RENDERED_WITHOUT_BOS, 12);
    const r = await runCli(["chat", model, "--temperature", "0", "-n", "12"], { input: `${USER}\n/exit\n` });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${expected.text}\n`);
  });

  it("/v1/chat/completions renders the template (one BOS, from the template's bos_token)", async () => {
    server = await startServe([model]);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 60_000 });
    const expected = await greedyRun(RENDERED_WITHOUT_BOS, 12);
    const r = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: USER }], max_tokens: 12, temperature: 0 });
    expect(r.choices[0]!.message.content).toBe(expected.text);
    expect(r.usage!.prompt_tokens).toBe(expected.promptTokens.length);
    expect(expected.promptTokens.filter((t) => t === 1)).toEqual([1]);
  });
});
