// Response objects in OpenAI's exact shapes (chat.completion, chat.completion.chunk,
// text_completion) and their server-sent-event framing.
import { randomBytes } from "node:crypto";

export type FinishReason = "stop" | "length";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The runtime's finish reasons mapped to OpenAI's: end of text or a stop string → "stop", a token or context limit → "length". */
export function openAiFinishReason(reason: string): FinishReason {
  return reason === "length" || reason === "context" ? "length" : "stop";
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function newId(prefix: "chatcmpl" | "cmpl"): string {
  return `${prefix}-${randomBytes(12).toString("hex")}`;
}

/** Identity shared by every chunk of one response. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

/** One SSE event carrying a JSON payload. */
export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export const SSE_DONE = "data: [DONE]\n\n";

/** The fields every response object starts with. */
function envelope<T extends string>(meta: ResponseMeta, object: T) {
  return { id: meta.id, object, created: meta.created, model: meta.model, system_fingerprint: null };
}

export function chatChunk(
  meta: ResponseMeta,
  delta: { role?: "assistant"; content?: string },
  finishReason: FinishReason | null,
) {
  return {
    ...envelope(meta, "chat.completion.chunk"),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function completionChunk(meta: ResponseMeta, text: string, finishReason: FinishReason | null) {
  return {
    ...envelope(meta, "text_completion"),
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
  };
}

/** The final usage-only chunk sent when stream_options.include_usage is set. */
export function usageChunk(meta: ResponseMeta, kind: "chat" | "completion", u: Usage) {
  return {
    ...envelope(meta, kind === "chat" ? "chat.completion.chunk" : "text_completion"),
    choices: [],
    usage: u,
  };
}

export function chatCompletion(meta: ResponseMeta, content: string, finishReason: FinishReason, u: Usage) {
  return {
    ...envelope(meta, "chat.completion"),
    choices: [{ index: 0, message: { role: "assistant" as const, content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: u,
  };
}

export function textCompletion(meta: ResponseMeta, text: string, finishReason: FinishReason, u: Usage) {
  return {
    ...envelope(meta, "text_completion"),
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    usage: u,
  };
}
