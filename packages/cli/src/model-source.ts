// Turns a <model> argument into a local file path: local paths are checked, hf: URIs and
// URLs are served from the cache or downloaded into it (with a progress bar on a TTY).
import { access, constants, stat } from "node:fs/promises";
import type { Io } from "./command.js";
import { CliError } from "./errors.js";
import { createProgress } from "./progress.js";
import { downloadFile, type DownloadResult } from "./pull/download.js";
import { cachePathFor, parseModelUri, resolveCacheDir, type ModelUri } from "./pull/uri.js";

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export interface FetchedModel extends DownloadResult {
  cached: boolean;
}

/** Download (or find in the cache) a remote model. */
export async function fetchRemoteModel(
  uri: Exclude<ModelUri, { kind: "file" }>,
  io: Io,
  opts: { force?: boolean; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<FetchedModel> {
  const env = opts.env ?? process.env;
  const dest = cachePathFor(uri, resolveCacheDir(env));
  if (!opts.force && (await exists(dest))) {
    return { path: dest, bytes: (await stat(dest)).size, resumedFrom: 0, cached: true };
  }
  const headers: Record<string, string> = {};
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (uri.kind === "hf" && token) headers.authorization = `Bearer ${token}`;
  const label = uri.kind === "hf" ? uri.file.split("/").pop() ?? uri.file : "download";
  const bar = createProgress(io.stderr, label, { bytes: true });
  try {
    const result = await downloadFile(uri.url, dest, {
      headers,
      signal: opts.signal,
      onProgress: (done, total) => bar.update(done, total ?? 0),
    });
    return { ...result, cached: false };
  } finally {
    bar.finish();
  }
}

/** The local path of a <model> argument, downloading it first if it is remote. */
export async function resolveModelPath(ref: string, io: Io, signal?: AbortSignal): Promise<string> {
  const uri = parseModelUri(ref);
  if (uri.kind !== "file") return (await fetchRemoteModel(uri, io, { signal })).path;
  let info;
  try {
    info = await stat(uri.path);
  } catch {
    throw new CliError(`model file not found: ${uri.path}`);
  }
  if (!info.isFile()) throw new CliError(`not a file: ${uri.path}`);
  return uri.path;
}
