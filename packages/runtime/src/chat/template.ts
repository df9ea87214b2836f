// Chat prompts: the GGUF's `tokenizer.chat_template` (a Jinja template, as Hugging Face ships it)
// rendered with @huggingface/jinja; a plain "role: content" layout when the model has none.
import { Template } from "@huggingface/jinja";
import { InvalidOptionError } from "../errors.js";

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatTemplateOptions {
  addGenerationPrompt?: boolean;
}

export interface ChatTemplateContext {
  template: string | null;
  bosToken: string;
  eosToken: string;
}

export class ChatTemplate {
  private readonly compiled: Template | null;

  constructor(private readonly ctx: ChatTemplateContext) {
    let compiled: Template | null = null;
    if (ctx.template) {
      try {
        compiled = new Template(ctx.template);
      } catch {
        compiled = null; // an unparsable template falls back to the plain layout
      }
    }
    this.compiled = compiled;
  }

  get usesModelTemplate(): boolean {
    return this.compiled !== null;
  }

  render(messages: ChatMessage[], opts: ChatTemplateOptions = {}): string {
    if (!Array.isArray(messages)) throw new InvalidOptionError("messages must be an array");
    for (const [i, m] of messages.entries()) {
      if (!m || typeof m.role !== "string" || typeof m.content !== "string") {
        throw new InvalidOptionError(`message ${i} needs string 'role' and 'content'`);
      }
    }
    const addGenerationPrompt = opts.addGenerationPrompt ?? true;
    if (this.compiled) {
      return this.compiled.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: this.ctx.bosToken,
        eos_token: this.ctx.eosToken,
      });
    }
    return plainChat(messages, addGenerationPrompt);
  }
}

/** Fallback layout for models without a template. */
export function plainChat(messages: ChatMessage[], addGenerationPrompt: boolean): string {
  let s = messages.map((m) => `${m.role}: ${m.content}\n`).join("");
  if (addGenerationPrompt) s += "assistant:";
  return s;
}
