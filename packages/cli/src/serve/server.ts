// The OpenAI-compatible HTTP server over node:http. Every request is one model.generate()
// call; the runtime's scheduler batches concurrent ones and throws BusyError past its queue
// (→ 429). A client that disconnects aborts its generation, which frees its KV slot.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isAbortError } from "../errors.js";
import { HttpError } from "./http-error.js";
import {
  chatChunk, chatCompletion, completionChunk, newId, openAiFinishReason, SSE_DONE, sseEvent, textCompletion,
  usage, usageChunk, type ResponseMeta,
} from "./openai-format.js";
import { validateChatRequest, validateCompletionRequest, type ChatRequest, type CompletionRequest } from "./validate.js";

/** What the server needs from a model (a subset of @ryzen/runtime's Model). */
export interface ServedModel {
  readonly info: { vocabSize: number; contextLength?: number };
  applyChatTemplate(messages: { role: string; content: string }[], opts?: { addGenerationPrompt?: boolean }): string;
  generate(input: string | number[], opts?: Record<string, unknown>): ServedGeneration;
}

export interface ServedGeneration extends AsyncIterable<{ token: number; text: string }> {
  readonly result: Promise<{ promptTokens: number[]; tokens: number[]; text: string; finishReason: string }>;
}

export interface ApiServerOptions {
  model: ServedModel;
  /** The id reported by /v1/models and in responses. */
  modelId: string;
  apiKey?: string;
  /** Largest accepted request body (default 8 MiB). */
  maxBodyBytes?: number;
  /** Access log line per request (default: none). */
  log?: (line: string) => void;
}

export interface ApiServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stop accepting, give in-flight requests graceMs to finish, then abort them. */
  close(graceMs?: number): Promise<void>;
  readonly inFlight: number;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, err.body(), err.headers);
}

async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `request body exceeds ${limit} bytes`, "invalid_request_error", null, "request_too_large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new HttpError(400, "the request body is empty; expected a JSON object", "invalid_request_error", null, "invalid_json");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `could not parse the JSON body of the request: ${(err as Error).message}`, "invalid_request_error", null, "invalid_json");
  }
}

/** Runtime errors → HTTP errors (by code, so it works without importing the runtime). */
function runtimeHttpError(err: unknown, inputParam: string | null = null): HttpError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "BUSY") {
    return new HttpError(429, `server busy: ${message}`, "rate_limit_error", null, "rate_limit_exceeded", { "retry-after": "1" });
  }
  if (code === "INVALID_OPTION") return new HttpError(400, message, "invalid_request_error", null, "invalid_value");
  if (code === "CONTEXT_OVERFLOW") return new HttpError(400, message, "invalid_request_error", inputParam, "context_length_exceeded");
  return new HttpError(500, message, "server_error", null, typeof code === "string" ? code : null);
}

function bearerMatches(req: IncomingMessage, key: string): boolean {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m) return false;
  const given = Buffer.from(m[1] as string);
  const want = Buffer.from(key);
  return given.length === want.length && timingSafeEqual(given, want);
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const { model, modelId } = opts;
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const created = Math.floor(Date.now() / 1000);
  const active = new Set<AbortController>();
  let closing = false;

  function samplingOptions(r: ChatRequest | CompletionRequest, signal: AbortSignal): Record<string, unknown> {
    const o: Record<string, unknown> = {
      maxTokens: r.maxTokens, temperature: r.temperature, topP: r.topP, topK: r.topK, minP: r.minP, seed: r.seed,
      presencePenalty: r.presencePenalty, frequencyPenalty: r.frequencyPenalty, repeatPenalty: r.repeatPenalty,
      logitBias: r.logitBias, stop: r.stop.length > 0 ? r.stop : undefined, signal,
    };
    if (r.kind === "chat") {
      o.parseSpecial = true;
      o.onContextFull = "stop";
    }
    for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
    return o;
  }

  async function handleGeneration(req: IncomingMessage, res: ServerResponse, kind: "chat" | "completion"): Promise<void> {
    const body = await readJsonBody(req, maxBody);
    const ctx = { vocabSize: model.info.vocabSize };
    const r = kind === "chat" ? validateChatRequest(body, ctx) : validateCompletionRequest(body, ctx);
    const inputParam = r.kind === "chat" ? "messages" : "prompt";
    let input: string | number[];
    try {
      input = r.kind === "chat" ? model.applyChatTemplate(r.messages, { addGenerationPrompt: true }) : r.prompt;
    } catch (err) {
      throw runtimeHttpError(err, inputParam);
    }

    const controller = new AbortController();
    active.add(controller);
    // "close" on the response before it finished = the client went away: stop generating.
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
      active.delete(controller);
    });
    const meta: ResponseMeta = { id: newId(kind === "chat" ? "chatcmpl" : "cmpl"), created: Math.floor(Date.now() / 1000), model: modelId };

    let generation: ServedGeneration;
    try {
      generation = model.generate(input, samplingOptions(r, controller.signal));
    } catch (err) {
      throw runtimeHttpError(err, inputParam);
    }
    generation.result.catch(() => {}); // awaited below; never an unhandled rejection

    if (!r.stream) {
      let result;
      try {
        result = await generation.result;
      } catch (err) {
        if (isAbortError(err) && controller.signal.aborted) return;
        throw runtimeHttpError(err, inputParam);
      }
      const u = usage(result.promptTokens.length, result.tokens.length);
      const finish = openAiFinishReason(result.finishReason);
      sendJson(res, 200, kind === "chat" ? chatCompletion(meta, result.text, finish, u) : textCompletion(meta, result.text, finish, u));
      return;
    }

    // Streaming: wait for the first token before sending headers, so a request rejected by the
    // scheduler (BusyError) still gets a proper 429 status instead of an error event.
    const it = generation[Symbol.asyncIterator]();
    let step: IteratorResult<{ token: number; text: string }>;
    try {
      step = await it.next();
    } catch (err) {
      if (isAbortError(err) && controller.signal.aborted) return;
      throw runtimeHttpError(err, inputParam);
    }
    if (controller.signal.aborted) return;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
    // With include_usage, OpenAI sends "usage": null on every chunk but the final usage one.
    const write = (payload: object) => {
      const body = r.includeUsage && !("usage" in payload) ? { ...payload, usage: null } : payload;
      if (!res.writableEnded && !res.destroyed) res.write(sseEvent(body));
    };
    if (kind === "chat") write(chatChunk(meta, { role: "assistant", content: "" }, null));
    try {
      while (!step.done) {
        const text = step.value.text;
        if (text !== "") write(kind === "chat" ? chatChunk(meta, { content: text }, null) : completionChunk(meta, text, null));
        step = await it.next();
      }
      const result = await generation.result;
      const finish = openAiFinishReason(result.finishReason);
      write(kind === "chat" ? chatChunk(meta, {}, finish) : completionChunk(meta, "", finish));
      if (r.includeUsage) write(usageChunk(meta, kind, usage(result.promptTokens.length, result.tokens.length)));
    } catch (err) {
      if (controller.signal.aborted) return;
      write(runtimeHttpError(err).body());
    }
    if (!res.writableEnded) res.end(SSE_DONE);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    if (method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "authorization, content-type",
      });
      res.end();
      return;
    }
    res.setHeader("access-control-allow-origin", "*");
    if (path === "/health") {
      if (method !== "GET") throw new HttpError(405, `method ${method} not allowed on ${path}`, "invalid_request_error", null, "method_not_allowed");
      sendJson(res, closing ? 503 : 200, { status: closing ? "shutting down" : "ok", in_flight: active.size });
      return;
    }
    const routes: Record<string, { method: string; handle: () => Promise<void> }> = {
      "/v1/models": {
        method: "GET",
        handle: async () => sendJson(res, 200, { object: "list", data: [{ id: modelId, object: "model", created, owned_by: "ryzen" }] }),
      },
      "/v1/chat/completions": { method: "POST", handle: () => handleGeneration(req, res, "chat") },
      "/v1/completions": { method: "POST", handle: () => handleGeneration(req, res, "completion") },
    };
    const entry = routes[path];
    if (!entry) throw new HttpError(404, `unknown endpoint ${method} ${path}`, "invalid_request_error", null, "not_found");
    if (opts.apiKey !== undefined && !bearerMatches(req, opts.apiKey)) {
      throw new HttpError(401, "invalid or missing API key: send Authorization: Bearer <key>", "invalid_request_error", null, "invalid_api_key");
    }
    if (method !== entry.method) throw new HttpError(405, `method ${method} not allowed on ${path}; use ${entry.method}`, "invalid_request_error", null, "method_not_allowed");
    if (closing) throw new HttpError(503, "server is shutting down", "server_error", null, "shutting_down");
    await entry.handle();
  }

  const server = createServer((req, res) => {
    const start = Date.now();
    res.on("finish", () => opts.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - start}ms`));
    route(req, res).catch((err: unknown) => {
      const httpErr = err instanceof HttpError ? err : runtimeHttpError(err);
      if (!res.headersSent) sendError(res, httpErr);
      else if (!res.writableEnded) res.end();
    });
  });

  return {
    server,
    get inFlight() {
      return active.size;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(graceMs = 5000) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const c of active) c.abort();
      server.closeAllConnections();
      await closed;
    },
  };
}
