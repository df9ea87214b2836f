// Model references: hf: URIs → resolve URLs, cache paths, endpoint and cache-dir overrides.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachePathFor, parseModelUri, resolveCacheDir } from "../src/pull/uri.js";

describe("parseModelUri", () => {
  it("maps hf:owner/repo/path to the resolve URL on main", () => {
    expect(parseModelUri("hf:ggml-org/models/tinyllamas/stories260K.gguf", {})).toEqual({
      kind: "hf", owner: "ggml-org", repo: "models", revision: "main", file: "tinyllamas/stories260K.gguf",
      url: "https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf",
    });
  });

  it("honours @revision, RYZEN_HF_ENDPOINT over HF_ENDPOINT, and escapes path segments", () => {
    const u = parseModelUri("hf:a/b@v1.0/dir/my model#1.gguf", { RYZEN_HF_ENDPOINT: "http://127.0.0.1:9/", HF_ENDPOINT: "http://x" });
    expect(u).toMatchObject({ revision: "v1.0", url: "http://127.0.0.1:9/a/b/resolve/v1.0/dir/my%20model%231.gguf" });
    expect(parseModelUri("hf:a/b/c.gguf", { HF_ENDPOINT: "https://mirror.example" })).toMatchObject({
      url: "https://mirror.example/a/b/resolve/main/c.gguf",
    });
  });

  it.each(["hf:a/b", "hf:a", "hf:a//c.gguf", "hf:a/b/../c.gguf", "hf:-x/b/c.gguf", "hf:a/b@/c.gguf"])("rejects %s", (ref) => {
    expect(() => parseModelUri(ref, {})).toThrow(/invalid hf: URI/);
  });

  it("recognises URLs and local paths", () => {
    expect(parseModelUri("https://example.com/m.gguf", {})).toEqual({ kind: "url", url: "https://example.com/m.gguf" });
    expect(parseModelUri("./models/m.gguf", {})).toEqual({ kind: "file", path: "./models/m.gguf" });
  });
});

describe("cache locations", () => {
  it("RYZEN_CACHE_DIR, then XDG_CACHE_HOME/ryzen, then ~/.cache/ryzen", () => {
    expect(resolveCacheDir({ RYZEN_CACHE_DIR: "/c", XDG_CACHE_HOME: "/x" })).toBe("/c");
    expect(resolveCacheDir({ XDG_CACHE_HOME: "/x" })).toBe(join("/x", "ryzen"));
    expect(resolveCacheDir({})).toMatch(/\.cache[/\\]ryzen$/);
  });

  it("hf files keep their repo layout; URLs are hashed per URL", () => {
    const hf = parseModelUri("hf:o/r@dev/a/b.gguf", {});
    expect(cachePathFor(hf as Exclude<typeof hf, { kind: "file" }>, "/c")).toBe(join("/c", "hf", "o", "r", "dev", "a", "b.gguf"));
    const a = cachePathFor({ kind: "url", url: "https://h.example/x/m.gguf" }, "/c");
    const b = cachePathFor({ kind: "url", url: "https://h.example/y/m.gguf" }, "/c");
    expect(a).toMatch(/^\/c\/url\/h\.example\/[0-9a-f]{16}-m\.gguf$/);
    expect(a).not.toBe(b);
  });
});
