import { describe, expect, it } from "vitest";
import { configFromMetadata } from "../src/model/config.js";
import { ModelLoadError } from "../src/errors.js";
import { ChatTemplate } from "../src/chat/template.js";

const base = (arch: string, extra: Record<string, unknown> = {}) => {
  const m = new Map<string, unknown>([
    ["general.architecture", arch],
    [`${arch}.embedding_length`, 64],
    [`${arch}.block_count`, 2],
    [`${arch}.feed_forward_length`, 96],
    [`${arch}.attention.head_count`, 8],
    [`${arch}.attention.head_count_kv`, 4],
    [`${arch}.context_length`, 512],
    ...Object.entries(extra),
  ]);
  return (k: string) => m.get(k);
};

describe("configFromMetadata", () => {
  it("reads llama hyperparameters with defaults", () => {
    const c = configFromMetadata(base("llama"));
    expect(c).toMatchObject({
      architecture: "llama", embeddingLength: 64, headDim: 8, ropeDims: 8, ropeMode: "normal",
      ropeTheta: 10000, rmsEps: 1e-5, activation: "silu", subNorms: false, trainedContextLength: 512,
    });
  });

  it("bitnet-b1.58 and bitnet-25: neox RoPE, ReLU², sub-norms", () => {
    for (const a of ["bitnet-b1.58", "bitnet-25"]) {
      const c = configFromMetadata(base(a, { [`${a}.rope.freq_base`]: 500000 }));
      expect(c).toMatchObject({ ropeMode: "neox", activation: "relu2", subNorms: true, ropeTheta: 500000 });
    }
  });

  it("llama.cpp bitnet: SiLU unless hidden_act says relu2", () => {
    expect(configFromMetadata(base("bitnet")).activation).toBe("silu");
    expect(configFromMetadata(base("bitnet", { "bitnet.hidden_act": "relu2" })).activation).toBe("relu2");
  });

  it("linear rope scaling becomes a frequency scale", () => {
    const c = configFromMetadata(base("llama", { "llama.rope.scaling.type": "linear", "llama.rope.scaling.factor": 4 }));
    expect(c.ropeFreqScale).toBe(0.25);
  });

  it("names an unsupported architecture", () => {
    try {
      configFromMetadata(base("mamba"));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ModelLoadError);
      expect((e as ModelLoadError).code).toBe("UNSUPPORTED_ARCHITECTURE");
      expect((e as Error).message).toContain("mamba");
    }
  });

  it("rejects missing and inconsistent keys with the key named", () => {
    const m = base("llama");
    expect(() => configFromMetadata((k) => (k === "llama.embedding_length" ? undefined : m(k)))).toThrow(/llama.embedding_length/);
    expect(() => configFromMetadata(base("llama", { "llama.attention.head_count_kv": 3 }))).toThrow(/head_count_kv/);
    expect(() => configFromMetadata(base("llama", { "llama.block_count": -1 }))).toThrow(ModelLoadError);
  });
});

describe("ChatTemplate", () => {
  const msgs = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
  ];
  it("renders a GGUF Jinja template", () => {
    const t = new ChatTemplate({
      template:
        "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}",
      bosToken: "<s>",
      eosToken: "</s>",
    });
    expect(t.usesModelTemplate).toBe(true);
    expect(t.render(msgs)).toBe("<s><|system|>Be brief.<|end|><|user|>Hi<|end|><|assistant|>");
    expect(t.render(msgs, { addGenerationPrompt: false })).toBe("<s><|system|>Be brief.<|end|><|user|>Hi<|end|>");
  });
  it("falls back to a plain layout without a template", () => {
    const t = new ChatTemplate({ template: null, bosToken: "", eosToken: "" });
    expect(t.render(msgs)).toBe("system: Be brief.\nuser: Hi\nassistant:");
  });
  it("rejects malformed messages", () => {
    const t = new ChatTemplate({ template: null, bosToken: "", eosToken: "" });
    expect(() => t.render([{ role: "user" } as never])).toThrow(/message 0/);
  });
});
