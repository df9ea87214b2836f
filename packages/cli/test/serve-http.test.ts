// The OpenAI-compatible HTTP layer over a deterministic fake model: exact response and SSE
// shapes, the official `openai` client, validation errors, auth, busy → 429, and that a
// client disconnect aborts its generation.
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { createApiServer, type ApiServer } from "../src/serve/server.js";
import { FakeModel } from "./helpers/fake-model.js";
import { parseSse, postJson, waitFor } from "./helpers/http.js";

let api: ApiServer | undefined;

async function start(model: FakeModel, apiKey?: string): Promise<string> {
  api = createApiServer({ model, modelId: "fake", apiKey });
  const addr = await api.listen(0, "127.0.0.1");
  return `http://127.0.0.1:${addr.port}`;
}

afterEach(async () => {
  await api?.close(100);
  api = undefined;
});

const client = (base: string, apiKey = "none") => new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });

describe("serve: OpenAI-compatible endpoints", () => {
  it("GET /health and /v1/models", async () => {
    const base = await start(new FakeModel());
    const health = (await (await fetch(`${base}/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
    const models = await client(base).models.list();
    expect(models.data.map((m) => m.id)).toEqual(["fake"]);
    expect(models.data[0]!.object).toBe("model");
  });

  it("chat completion, non-streaming, through the openai client", async () => {
    const model = new FakeModel();
    const base = await start(model);
    const r = await client(base).chat.completions.create({
      model: "fake",
      messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(r.object).toBe("chat.completion");
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.model).toBe("fake");
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]!.message).toMatchObject({ role: "assistant", content: FakeModel.expectedText(4) });
    expect(r.choices[0]!.finish_reason).toBe("length");
    const promptLength = "system: be brief\nuser: hi\nassistant:".length;
    expect(r.usage).toEqual({ prompt_tokens: promptLength, completion_tokens: 4, total_tokens: promptLength + 4 });
    expect(model.lastOptions).toMatchObject({ maxTokens: 4, temperature: 0, parseSpecial: true });
  });

  it("chat completion, streaming, through the openai client", async () => {
    const base = await start(new FakeModel());
    const stream = await client(base).chat.completions.create({
      model: "fake",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(FakeModel.expectedText(6));
    const last = chunks[chunks.length - 2]!;
    expect(last.choices[0]!.finish_reason).toBe("length");
    expect(chunks[chunks.length - 1]!.choices).toEqual([]);
    expect(chunks[chunks.length - 1]!.usage?.completion_tokens).toBe(6);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it("streams exact SSE framing: data: {json}\\n\\n chunks ending in data: [DONE]", async () => {
    const base = await start(new FakeModel());
    const res = await fetch(`${base}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "abc", max_tokens: 3, stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events[events.length - 1]).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    for (const c of chunks) {
      expect(Object.keys(c).sort()).toEqual(["choices", "created", "id", "model", "object", "system_fingerprint"]);
      expect(c.object).toBe("text_completion");
      expect(c.choices).toHaveLength(1);
      expect(Object.keys(c.choices[0]).sort()).toEqual(["finish_reason", "index", "logprobs", "text"]);
    }
    expect(chunks.map((c) => c.choices[0].text).join("")).toBe(FakeModel.expectedText(3));
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, "length"]);
  });

  it("text completion, non-streaming, through the openai client (string and token-id prompts)", async () => {
    const base = await start(new FakeModel());
    const r = await client(base).completions.create({ model: "fake", prompt: "Once", max_tokens: 2 });
    expect(r.object).toBe("text_completion");
    expect(r.choices[0]!.text).toBe(FakeModel.expectedText(2));
    expect(r.usage?.completion_tokens).toBe(2);
    const ids = await client(base).completions.create({ model: "fake", prompt: [1, 2, 3], max_tokens: 1 });
    expect(ids.usage?.prompt_tokens).toBe(3);
  });

  it("stop strings and sampling fields are passed to the model", async () => {
    const model = new FakeModel();
    const base = await start(model);
    await postJson(`${base}/v1/completions`, { prompt: "x", max_tokens: 1, stop: "\n", top_p: 0.5, top_k: 7, min_p: 0.1, seed: 3, logit_bias: { "5": -100 } });
    expect(model.lastOptions).toMatchObject({ stop: ["\n"], topP: 0.5, topK: 7, minP: 0.1, seed: 3, logitBias: { 5: -100 } });
  });
});

describe("serve: errors", () => {
  it("malformed JSON → 400 with an OpenAI error body", async () => {
    const base = await start(new FakeModel());
    const r = await postJson(`${base}/v1/chat/completions`, "{not json");
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(r.json.error.type).toBe("invalid_request_error");
    expect(r.json.error.code).toBe("invalid_json");
  });

  it.each([
    [{ messages: "hi" }, "messages"],
    [{}, "messages"],
    [{ messages: [] }, "messages"],
    [{ messages: [{ role: "wizard", content: "x" }] }, "messages[0].role"],
    [{ messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
    [{ messages: [{ role: "user", content: "x" }], temperature: "hot" }, "temperature"],
    [{ messages: [{ role: "user", content: "x" }], temperature: 9 }, "temperature"],
    [{ messages: [{ role: "user", content: "x" }], max_tokens: 0 }, "max_tokens"],
    [{ messages: [{ role: "user", content: "x" }], max_tokens: 1.5 }, "max_tokens"],
    [{ messages: [{ role: "user", content: "x" }], n: 2 }, "n"],
    [{ messages: [{ role: "user", content: "x" }], stream: "yes" }, "stream"],
    [{ messages: [{ role: "user", content: "x" }], stop: [1] }, "stop"],
    [{ messages: [{ role: "user", content: "x" }], logit_bias: { abc: 1 } }, "logit_bias"],
    [[1, 2], "body"],
  ])("invalid chat request %j → 400 naming %s", async (body, param) => {
    const base = await start(new FakeModel());
    const r = await postJson(`${base}/v1/chat/completions`, body);
    expect(r.status).toBe(400);
    expect(r.json.error.param).toBe(param);
    expect(r.json.error.message).toEqual(expect.any(String));
  });

  it.each([
    [{ max_tokens: 1 }, "prompt"],
    [{ prompt: 3 }, "prompt"],
    [{ prompt: ["a", "b"] }, "prompt"],
    [{ prompt: [1, 100] }, "prompt"],
    [{ prompt: "x", echo: true }, "echo"],
  ])("invalid completion request %j → 400 naming %s", async (body, param) => {
    const base = await start(new FakeModel());
    const r = await postJson(`${base}/v1/completions`, body);
    expect(r.status).toBe(400);
    expect(r.json.error.param).toBe(param);
  });

  it("the openai client surfaces a 400 as BadRequestError", async () => {
    const base = await start(new FakeModel());
    await expect(
      client(base).chat.completions.create({ model: "fake", messages: [{ role: "user", content: "x" }], temperature: -1 }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("unknown endpoint → 404, wrong method → 405", async () => {
    const base = await start(new FakeModel());
    expect((await fetch(`${base}/v1/nope`)).status).toBe(404);
    expect((await fetch(`${base}/v1/completions`)).status).toBe(405);
  });

  it("--api-key: 401 without or with a wrong bearer token, 200 with it; /health stays open", async () => {
    const base = await start(new FakeModel(), "sekret");
    const none = await postJson(`${base}/v1/completions`, { prompt: "x", max_tokens: 1 });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("invalid_api_key");
    await expect(client(base, "wrong").models.list()).rejects.toMatchObject({ status: 401 });
    const ok = await client(base, "sekret").completions.create({ model: "fake", prompt: "x", max_tokens: 1 });
    expect(ok.choices[0]!.text).toBe("w0 ");
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it("a request beyond the scheduler's queue gets 429 (streaming and not)", async () => {
    const model = new FakeModel(1, 0, 5); // one slot, no queue
    const base = await start(model);
    const holder = new AbortController();
    const long = await fetch(`${base}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "x", max_tokens: 100000, stream: true }),
      signal: holder.signal,
    });
    expect(long.status).toBe(200);
    const busy = await postJson(`${base}/v1/completions`, { prompt: "y", max_tokens: 1 });
    expect(busy.status).toBe(429);
    expect(busy.json.error.code).toBe("rate_limit_exceeded");
    const busyStream = await postJson(`${base}/v1/chat/completions`, { messages: [{ role: "user", content: "z" }], stream: true });
    expect(busyStream.status).toBe(429);
    holder.abort();
    await long.body?.cancel().catch(() => {});
    await waitFor(() => model.running === 0, 10_000, "the aborted generation to free its slot");
    const after = await postJson(`${base}/v1/completions`, { prompt: "y", max_tokens: 1 });
    expect(after.status).toBe(200);
  });

  it("a client that disconnects mid-stream aborts its generation", async () => {
    const model = new FakeModel(2, 0, 5);
    const base = await start(model);
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "go" }], max_tokens: 100000, stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // at least one chunk arrived: generation is running
    controller.abort();
    await waitFor(() => model.aborted === 1 && model.running === 0, 10_000, "the generation to be aborted");
    expect(model.completed).toBe(0);
    expect(api!.inFlight).toBe(0);
  });

  it("close() waits for in-flight requests to finish", async () => {
    const model = new FakeModel(2, 2, 2);
    const base = await start(model);
    const pending = postJson(`${base}/v1/completions`, { prompt: "x", max_tokens: 20 });
    await waitFor(() => model.running === 1, 5000, "the request to start");
    await api!.close(10_000);
    api = undefined;
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json.choices[0].text).toBe(FakeModel.expectedText(20));
  });
});
