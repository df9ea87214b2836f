// `ryzen serve` on the real stories260K model, driven by the official `openai` client:
// completions and chat, streaming and not; 8 concurrent streaming clients that must each get
// exactly the single-request greedy answer; malformed requests; --api-key; --queue → 429; a
// disconnecting client frees its slot; SIGTERM shuts down cleanly.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED, startServe, stopProcess, STORIES } from "./helpers/cli.js";
import { postJson } from "./helpers/http.js";

const reference = JSON.parse(readFileSync(`${SHARED}models/stories260K.reference.json`, "utf8")) as {
  cases: { prompt: string; greedy_text: string }[];
};
const PROMPTS = reference.cases.map((c) => c.prompt);
const N = 24;

const client = (url: string, apiKey = "unused") => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });

/** Starts a long streaming completion and waits for its first chunk; abort the returned controller to end it. */
async function holdSlot(url: string): Promise<AbortController> {
  const holder = new AbortController();
  const long = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "Once upon a time", max_tokens: 2000, temperature: 0, stream: true }),
    signal: holder.signal,
  });
  expect(long.status).toBe(200);
  await long.body!.getReader().read();
  return holder;
}

describe("ryzen serve (parallel 8)", () => {
  let child: ChildProcess;
  let url: string;
  const single = new Map<string, string>();

  beforeAll(async () => {
    ({ child, url } = await startServe([STORIES, "--parallel", "8", "--queue", "16", "--ctx", "512"]));
    // The single-request greedy answers, one request at a time.
    for (const prompt of PROMPTS) {
      const r = await client(url).completions.create({ model: "stories260K", prompt, max_tokens: N, temperature: 0 });
      single.set(prompt, r.choices[0]!.text);
    }
  });
  afterAll(async () => {
    if (child) expect(await stopProcess(child)).toBe(0);
  });

  it("single-request greedy completions agree with the reference decode", () => {
    for (const c of reference.cases) {
      const text = single.get(c.prompt)!;
      expect(text.length).toBeGreaterThan(10);
      const ref = c.prompt === "" ? c.greedy_text.replace(/^ /, "") : c.greedy_text;
      expect(ref.startsWith(text)).toBe(true);
    }
  });

  it("non-streaming completion: shape and usage", async () => {
    const r = await client(url).completions.create({ model: "stories260K", prompt: "Once upon a time", max_tokens: N, temperature: 0 });
    expect(r.object).toBe("text_completion");
    expect(r.model).toBe("stories260K");
    expect(r.choices[0]!.finish_reason).toBe("length");
    expect(r.usage).toEqual({ prompt_tokens: 5, completion_tokens: N, total_tokens: 5 + N });
  });

  it("streaming completion through the openai client equals the non-streaming text", async () => {
    const stream = await client(url).completions.create({ model: "stories260K", prompt: "The cat", max_tokens: N, temperature: 0, stream: true });
    let text = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(single.get("The cat"));
    expect(finish).toBe("length");
  });

  it("chat completions, streaming and not, give the same greedy reply", async () => {
    const messages = [{ role: "user" as const, content: "Tell me a story about a cat." }];
    const plain = await client(url).chat.completions.create({ model: "stories260K", messages, max_tokens: 16, temperature: 0 });
    expect(plain.object).toBe("chat.completion");
    expect(plain.choices[0]!.message.role).toBe("assistant");
    const content = plain.choices[0]!.message.content ?? "";
    expect(content.length).toBeGreaterThan(0);
    expect(plain.usage!.completion_tokens).toBe(16);
    const stream = await client(url).chat.completions.create({ model: "stories260K", messages, max_tokens: 16, temperature: 0, stream: true });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    expect(streamed).toBe(content);
  });

  it("8 concurrent streaming clients each get their own complete greedy answer", async () => {
    const prompts = Array.from({ length: 8 }, (_, i) => PROMPTS[i % PROMPTS.length]!);
    const texts = await Promise.all(
      prompts.map(async (prompt) => {
        const stream = await client(url).completions.create({ model: "stories260K", prompt, max_tokens: N, temperature: 0, stream: true });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
        return text;
      }),
    );
    expect(texts).toEqual(prompts.map((p) => single.get(p)));
  });

  it("malformed JSON and invalid fields → 400 with an OpenAI error body", async () => {
    const bad = await postJson(`${url}/v1/completions`, "{");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });
    const field = await postJson(`${url}/v1/chat/completions`, { messages: [{ role: "user", content: "x" }], top_p: 3 });
    expect(field.status).toBe(400);
    expect(field.json.error.param).toBe("top_p");
    const token = await postJson(`${url}/v1/completions`, { prompt: [1, 512] });
    expect(token.status).toBe(400);
    await expect(client(url).completions.create({ model: "x", prompt: "a", max_tokens: -1 })).rejects.toMatchObject({ status: 400 });
    const overflow = await postJson(`${url}/v1/completions`, { prompt: "the cat sat on the mat ".repeat(80), max_tokens: 2 });
    expect(overflow.status).toBe(400);
    expect(overflow.json.error).toMatchObject({ param: "prompt", code: "context_length_exceeded" });
  });

  it("GET /v1/models and /health", async () => {
    expect((await client(url).models.list()).data[0]!.id).toBe("stories260K");
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
  });
});

describe("ryzen serve limits and auth", () => {
  it("--api-key → 401 without the bearer token", async () => {
    const { child, url } = await startServe([STORIES, "--api-key", "k3y"]);
    try {
      const none = await postJson(`${url}/v1/completions`, { prompt: "a", max_tokens: 2 });
      expect(none.status).toBe(401);
      await expect(client(url, "nope").completions.create({ model: "x", prompt: "a", max_tokens: 2 })).rejects.toMatchObject({ status: 401 });
      const ok = await client(url, "k3y").completions.create({ model: "x", prompt: "a", max_tokens: 2, temperature: 0 });
      expect(ok.usage!.completion_tokens).toBe(2);
    } finally {
      await stopProcess(child);
    }
  });

  it("--parallel 1 --queue 0: a second request gets 429; a disconnecting client frees its slot", async () => {
    const { child, url } = await startServe([STORIES, "--parallel", "1", "--queue", "0", "--ctx", "2048"]);
    try {
      const holder = await holdSlot(url); // streaming: it holds the only slot now
      const busy = await postJson(`${url}/v1/completions`, { prompt: "The cat", max_tokens: 4 });
      expect(busy.status).toBe(429);
      expect(busy.json.error.code).toBe("rate_limit_exceeded");
      await expect(client(url).completions.create({ model: "x", prompt: "a", max_tokens: 2 })).rejects.toMatchObject({ status: 429 });

      holder.abort(); // client goes away: its generation must stop and release the slot
      let status = 429;
      for (let i = 0; i < 100 && status === 429; i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await postJson(`${url}/v1/completions`, { prompt: "The cat", max_tokens: 2 })).status;
      }
      expect(status).toBe(200);
    } finally {
      await stopProcess(child);
    }
  });

  it("--parallel 1 --queue 1: one request waits, the next gets 429, the waiting one completes", async () => {
    const { child, url } = await startServe([STORIES, "--parallel", "1", "--queue", "1", "--ctx", "2048"]);
    const inFlight = async () => ((await (await fetch(`${url}/health`)).json()) as { in_flight: number }).in_flight;
    try {
      const holder = await holdSlot(url); // running in the only slot
      const queued = postJson(`${url}/v1/completions`, { prompt: "The cat", max_tokens: 4, temperature: 0 });
      for (let i = 0; i < 200 && (await inFlight()) < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await inFlight()).toBe(2); // the second request is waiting in the queue
      const rejected = await postJson(`${url}/v1/completions`, { prompt: "Lily", max_tokens: 4 });
      expect(rejected.status).toBe(429);
      holder.abort();
      const done = await queued;
      expect(done.status).toBe(200);
      expect(done.json.usage.completion_tokens).toBe(4);
    } finally {
      await stopProcess(child);
    }
  });

  it("SIGTERM shuts down gracefully with exit code 0", async () => {
    const { child } = await startServe([STORIES]);
    expect(await stopProcess(child)).toBe(0);
  });
});
