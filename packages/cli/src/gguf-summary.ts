// What `ryzen info` reports, computed from the GGUF header, metadata and tensor table only
// (no tensor data is read, so it is instant on multi-GB files and works on vocab-only files).

export interface GGUFLike {
  version: number;
  metadata: Map<string, unknown>;
  tensors: { name: string; typeName: string; shape: number[]; bytes: number }[];
  fileSize: number;
}

export interface ModelSummary {
  file: string;
  file_bytes: number;
  gguf_version: number;
  architecture: string | null;
  name: string | null;
  parameters: number;
  tensor_count: number;
  tensor_types: Record<string, { count: number; bytes: number }>;
  context_length: number | null;
  embedding_length: number | null;
  block_count: number | null;
  head_count: number | null;
  head_count_kv: number | null;
  vocab_size: number | null;
  tokenizer: { model: string | null; pre: string | null; vocab_size: number | null; bos_id: number | null; eos_id: number | null };
  chat_template: boolean;
}

function str(meta: Map<string, unknown>, key: string): string | null {
  const v = meta.get(key);
  return typeof v === "string" ? v : null;
}

function int(meta: Map<string, unknown>, key: string): number | null {
  const v = meta.get(key);
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  // Some converters store per-layer arrays (e.g. head_count_kv); report the first entry.
  if (ArrayBuffer.isView(v) && "length" in v && (v as unknown as ArrayLike<number>).length > 0) {
    return Number((v as unknown as ArrayLike<number | bigint>)[0]);
  }
  return null;
}

function length(meta: Map<string, unknown>, key: string): number | null {
  const v = meta.get(key);
  if (Array.isArray(v)) return v.length;
  if (ArrayBuffer.isView(v)) return (v as unknown as ArrayLike<unknown>).length;
  return null;
}

export function summarizeGGUF(file: string, g: GGUFLike): ModelSummary {
  const meta = g.metadata;
  const arch = str(meta, "general.architecture");
  const key = (k: string) => (arch ? int(meta, `${arch}.${k}`) : null);
  const types: Record<string, { count: number; bytes: number }> = {};
  let parameters = 0;
  for (const t of g.tensors) {
    parameters += t.shape.reduce((a, b) => a * b, 1);
    const entry = (types[t.typeName] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += t.bytes;
  }
  const tokenCount = length(meta, "tokenizer.ggml.tokens");
  return {
    file,
    file_bytes: g.fileSize,
    gguf_version: g.version,
    architecture: arch,
    name: str(meta, "general.name"),
    parameters,
    tensor_count: g.tensors.length,
    tensor_types: types,
    context_length: key("context_length"),
    embedding_length: key("embedding_length"),
    block_count: key("block_count"),
    head_count: key("attention.head_count"),
    head_count_kv: key("attention.head_count_kv"),
    vocab_size: key("vocab_size") ?? tokenCount,
    tokenizer: {
      model: str(meta, "tokenizer.ggml.model"),
      pre: str(meta, "tokenizer.ggml.pre"),
      vocab_size: tokenCount,
      bos_id: int(meta, "tokenizer.ggml.bos_token_id"),
      eos_id: int(meta, "tokenizer.ggml.eos_token_id"),
    },
    chat_template: typeof meta.get("tokenizer.chat_template") === "string",
  };
}
