// Validation of OpenAI request bodies for /v1/chat/completions and /v1/completions.
// Unknown fields are ignored (clients send many); known fields must have the right type and
// range, otherwise a 400 names the offending field. null means "not given", as in OpenAI's API.
import { invalidParam } from "./http-error.js";

export interface SamplingParams {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  stop: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  repeatPenalty?: number;
  logitBias?: Record<number, number>;
}

interface Common extends SamplingParams {
  model?: string;
  stream: boolean;
  includeUsage: boolean;
}

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatRequest extends Common {
  kind: "chat";
  messages: ChatMessage[];
}

export interface CompletionRequest extends Common {
  kind: "completion";
  /** Text, or token ids. */
  prompt: string | number[];
}

export interface ValidationContext {
  vocabSize: number;
}

type Body = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);

function present(body: Body, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

function num(body: Body, key: string, min: number, max: number, integer = false): number | undefined {
  if (!present(body, key)) return undefined;
  const v = body[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw invalidParam(key, `'${key}' must be a number`, "invalid_type");
  if (integer && !Number.isInteger(v)) throw invalidParam(key, `'${key}' must be an integer`, "invalid_type");
  if (v < min || v > max) throw invalidParam(key, `'${key}' must be between ${min} and ${max}, got ${v}`);
  return v;
}

function bool(body: Body, key: string): boolean {
  if (!present(body, key)) return false;
  if (typeof body[key] !== "boolean") throw invalidParam(key, `'${key}' must be a boolean`, "invalid_type");
  return body[key] as boolean;
}

function isTokenId(v: unknown, vocabSize: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v < vocabSize;
}

function parseStop(body: Body): string[] {
  if (!present(body, "stop")) return [];
  const v = body.stop;
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
    throw invalidParam("stop", "'stop' must be a string or an array of strings", "invalid_type");
  }
  if (list.length > 16) throw invalidParam("stop", "'stop' accepts at most 16 sequences");
  return (list as string[]).filter((s) => s.length > 0);
}

function parseLogitBias(body: Body, ctx: ValidationContext): Record<number, number> | undefined {
  if (!present(body, "logit_bias")) return undefined;
  const v = body.logit_bias;
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParam("logit_bias", "'logit_bias' must be an object", "invalid_type");
  const out: Record<number, number> = {};
  for (const [key, bias] of Object.entries(v as Record<string, unknown>)) {
    const id = /^\d+$/.test(key) ? Number(key) : NaN;
    if (!isTokenId(id, ctx.vocabSize)) {
      throw invalidParam("logit_bias", `'logit_bias' key "${key}" is not a token id below ${ctx.vocabSize}`);
    }
    if (typeof bias !== "number" || !Number.isFinite(bias) || bias < -100 || bias > 100) {
      throw invalidParam("logit_bias", `'logit_bias' values must be numbers between -100 and 100`);
    }
    out[id] = bias;
  }
  return out;
}

function parseCommon(body: Body, ctx: ValidationContext): Common {
  if (present(body, "model") && typeof body.model !== "string") throw invalidParam("model", "'model' must be a string", "invalid_type");
  const n = num(body, "n", 1, 128, true);
  if (n !== undefined && n !== 1) throw invalidParam("n", "only n=1 is supported");
  const maxTokens = num(body, "max_completion_tokens", 1, 1e9, true) ?? num(body, "max_tokens", 1, 1e9, true);
  const stream = bool(body, "stream");
  let includeUsage = false;
  if (present(body, "stream_options")) {
    const so = body.stream_options;
    if (typeof so !== "object" || Array.isArray(so)) throw invalidParam("stream_options", "'stream_options' must be an object", "invalid_type");
    includeUsage = bool(so as Body, "include_usage");
  }
  return {
    model: body.model as string | undefined,
    stream,
    includeUsage,
    maxTokens,
    temperature: num(body, "temperature", 0, 2),
    topP: num(body, "top_p", 0, 1),
    topK: num(body, "top_k", 0, 1e9, true),
    minP: num(body, "min_p", 0, 1),
    seed: num(body, "seed", -(2 ** 53), 2 ** 53, true),
    stop: parseStop(body),
    presencePenalty: num(body, "presence_penalty", -2, 2),
    frequencyPenalty: num(body, "frequency_penalty", -2, 2),
    repeatPenalty: num(body, "repeat_penalty", 0, 10),
    logitBias: parseLogitBias(body, ctx),
  };
}

function asObject(body: unknown): Body {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidParam("body", "the request body must be a JSON object", "invalid_type");
  }
  return body as Body;
}

function messageContent(content: unknown, role: string, i: number): string {
  const param = `messages[${i}].content`;
  if (typeof content === "string") return content;
  if (content === null || content === undefined) {
    if (role === "assistant") return "";
    throw invalidParam(param, `'${param}' is required`, "missing_required_parameter");
  }
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (!p || p.type !== "text" || typeof p.text !== "string") {
          throw invalidParam(`${param}[${j}]`, `only text content parts are supported (type "text" with a string "text")`);
        }
        return p.text;
      })
      .join("");
  }
  throw invalidParam(param, `'${param}' must be a string or an array of text parts`, "invalid_type");
}

export function validateChatRequest(raw: unknown, ctx: ValidationContext): ChatRequest {
  const body = asObject(raw);
  if (!Array.isArray(body.messages)) {
    throw invalidParam("messages", present(body, "messages") ? "'messages' must be an array" : "'messages' is required", present(body, "messages") ? "invalid_type" : "missing_required_parameter");
  }
  if (body.messages.length === 0) throw invalidParam("messages", "'messages' must contain at least one message");
  const messages = body.messages.map((m: unknown, i: number): ChatMessage => {
    if (typeof m !== "object" || m === null || Array.isArray(m)) throw invalidParam(`messages[${i}]`, `'messages[${i}]' must be an object`, "invalid_type");
    const role = (m as Body).role;
    if (typeof role !== "string" || !ROLES.has(role)) {
      throw invalidParam(`messages[${i}].role`, `'messages[${i}].role' must be one of ${[...ROLES].join(", ")}`);
    }
    return { role, content: messageContent((m as Body).content, role, i) };
  });
  return { kind: "chat", messages, ...parseCommon(body, ctx) };
}

export function validateCompletionRequest(raw: unknown, ctx: ValidationContext): CompletionRequest {
  const body = asObject(raw);
  let prompt: unknown = body.prompt;
  if (prompt === undefined || prompt === null) throw invalidParam("prompt", "'prompt' is required", "missing_required_parameter");
  // A batch of one prompt is accepted; several prompts in one request are not.
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === "string" || Array.isArray(prompt[0]))) prompt = prompt[0];
  if (Array.isArray(prompt)) {
    if (prompt.length === 0) throw invalidParam("prompt", "'prompt' must not be empty");
    if (!prompt.every((t) => typeof t === "number")) {
      throw invalidParam("prompt", "'prompt' must be a string, or an array of token ids (one prompt per request)", "invalid_type");
    }
    const bad = prompt.find((t) => !isTokenId(t, ctx.vocabSize));
    if (bad !== undefined) throw invalidParam("prompt", `'prompt' token id ${bad} is outside the vocabulary (0..${ctx.vocabSize - 1})`);
  } else if (typeof prompt !== "string") {
    throw invalidParam("prompt", "'prompt' must be a string or an array of token ids", "invalid_type");
  }
  if (bool(body, "echo")) throw invalidParam("echo", "'echo' is not supported");
  if (present(body, "best_of") && body.best_of !== 1) throw invalidParam("best_of", "only best_of=1 is supported");
  return { kind: "completion", prompt: prompt as string | number[], ...parseCommon(body, ctx) };
}
