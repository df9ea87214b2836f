// Model references: local paths, hf:owner/repo[@revision]/path/file.gguf, and http(s) URLs,
// and where a download of each lives in the cache.
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { UsageError } from "../errors.js";

export type ModelUri =
  | { kind: "file"; path: string }
  | { kind: "hf"; owner: string; repo: string; revision: string; file: string; url: string }
  | { kind: "url"; url: string };

const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** The Hugging Face endpoint: RYZEN_HF_ENDPOINT, then HF_ENDPOINT, then huggingface.co. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.RYZEN_HF_ENDPOINT || env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseModelUri(ref: string, env: NodeJS.ProcessEnv = process.env): ModelUri {
  if (ref.startsWith("hf:")) {
    const rest = ref.slice(3).replace(/^\/+/, "");
    const parts = rest.split("/");
    if (parts.length < 3 || parts.some((p) => p === "" || p === "." || p === "..")) {
      throw new UsageError(`invalid hf: URI "${ref}": expected hf:owner/repo/path/to/file.gguf`);
    }
    const [owner, repoRev, ...fileParts] = parts as [string, string, ...string[]];
    const at = repoRev.indexOf("@");
    const repo = at >= 0 ? repoRev.slice(0, at) : repoRev;
    const revision = at >= 0 ? repoRev.slice(at + 1) : "main";
    if (!NAME.test(owner) || !NAME.test(repo) || revision === "" || /[\s/]/.test(revision)) {
      throw new UsageError(`invalid hf: URI "${ref}": bad owner, repository or revision name`);
    }
    const file = fileParts.join("/");
    const url =
      `${hfEndpoint(env)}/${owner}/${repo}/resolve/${encodeURIComponent(revision)}/` +
      fileParts.map(encodeURIComponent).join("/");
    return { kind: "hf", owner, repo, revision, file, url };
  }
  if (/^https?:\/\//i.test(ref)) {
    try {
      return { kind: "url", url: new URL(ref).toString() };
    } catch {
      throw new UsageError(`invalid URL "${ref}"`);
    }
  }
  return { kind: "file", path: ref };
}

/** Cache root: RYZEN_CACHE_DIR, else $XDG_CACHE_HOME/ryzen, else ~/.cache/ryzen. */
export function resolveCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RYZEN_CACHE_DIR) return env.RYZEN_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "ryzen");
  return join(homedir(), ".cache", "ryzen");
}

/** Where a remote model is stored: hf/<owner>/<repo>/<revision>/<path> or url/<host>/<hash>-<name>. */
export function cachePathFor(uri: Exclude<ModelUri, { kind: "file" }>, cacheDir: string): string {
  if (uri.kind === "hf") return join(cacheDir, "hf", uri.owner, uri.repo, uri.revision.replace(/[^\w.-]/g, "_"), ...uri.file.split("/"));
  const url = new URL(uri.url);
  const hash = createHash("sha256").update(uri.url).digest("hex").slice(0, 16);
  const name = basename(decodeURIComponent(url.pathname)).replace(/[^\w.-]/g, "_") || "model.gguf";
  return join(cacheDir, "url", url.host.replace(/[^\w.-]/g, "_"), `${hash}-${name}`);
}
