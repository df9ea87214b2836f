// HTTP(S) download into a file, resumable: bytes land in "<dest>.part" and an interrupted
// download continues with a Range request (guarded by If-Range on the ETag) on the next try.
// The file appears at <dest> only once complete, via rename.
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CliError } from "../errors.js";
import { formatBytes } from "../format.js";

export interface DownloadOptions {
  onProgress?: (done: number, total: number | undefined) => void;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes already present from an earlier, interrupted download (0 for a fresh one). */
  resumedFrom: number;
}

interface PartMeta {
  url: string;
  etag?: string;
}

const OFFLINE_CODES = new Set([
  "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "ECONNRESET", "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET",
]);

function networkErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readMeta(path: string): Promise<PartMeta | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as PartMeta;
  } catch {
    return undefined;
  }
}

function httpError(res: Response, url: string): CliError {
  const base = `download failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""} for ${url}`;
  if (res.status === 401 || res.status === 403) return new CliError(`${base} (gated or private: set HF_TOKEN to an access token)`);
  if (res.status === 404) return new CliError(`${base} (no such file: check the owner, repository, revision and path)`);
  return new CliError(base);
}

// Parses "bytes 100-199/200" or "bytes */200".
function parseContentRange(value: string | null): { start?: number; total?: number } {
  const m = value ? /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)/i.exec(value) : null;
  if (!m) return {};
  return { start: m[1] !== undefined ? Number(m[1]) : undefined, total: m[2] !== "*" ? Number(m[2]) : undefined };
}

export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const part = `${dest}.part`;
  const metaPath = `${dest}.part.json`;
  await mkdir(dirname(dest), { recursive: true });

  for (let attempt = 0; attempt < 2; attempt++) {
    const meta = await readMeta(metaPath);
    let have = meta?.url === url ? await sizeOf(part) : 0;
    if (have === 0) await rm(part, { force: true });

    const headers: Record<string, string> = { "accept-encoding": "identity", "user-agent": "ryzen-cli", ...opts.headers };
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      if (meta?.etag && !meta.etag.startsWith("W/")) headers["if-range"] = meta.etag;
    }

    let res: Response;
    try {
      res = await fetch(url, { headers, signal: opts.signal, redirect: "follow" });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const code = networkErrorCode(err);
      const host = new URL(url).host;
      if (code && OFFLINE_CODES.has(code)) {
        throw new CliError(`cannot reach ${host} (${code}): you appear to be offline or the host is down; models already in the cache still work`);
      }
      throw new CliError(`cannot download ${url}: ${(err as Error).message}${code ? ` (${code})` : ""}`);
    }

    if (res.status === 416 && have > 0) {
      // Nothing left to fetch: either the part is already complete or it does not match the remote file.
      const { total } = parseContentRange(res.headers.get("content-range"));
      await res.body?.cancel();
      if (total === have) {
        await rename(part, dest);
        await rm(metaPath, { force: true });
        return { path: dest, bytes: have, resumedFrom: have };
      }
      await rm(part, { force: true });
      continue;
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw httpError(res, url);
    }

    let total: number | undefined;
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get("content-range"));
      if (range.start !== have) {
        await res.body?.cancel();
        await rm(part, { force: true });
        continue; // server answered a different range than asked: start over
      }
      total = range.total;
    } else {
      have = 0; // full body (no range support, or the remote file changed): start over
      const length = res.headers.get("content-length");
      total = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
    }
    const resumedFrom = have;
    await writeFile(metaPath, JSON.stringify({ url, etag: res.headers.get("etag") ?? undefined } satisfies PartMeta));

    let done = have;
    opts.onProgress?.(done, total);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        opts.onProgress?.(done, total);
        cb(null, chunk);
      },
    });
    if (!res.body) throw new CliError(`download failed: empty response from ${url}`);
    try {
      await pipeline(
        Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
        counter,
        createWriteStream(part, { flags: have > 0 ? "a" : "w" }),
      );
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const of = total !== undefined ? ` of ${formatBytes(total)}` : "";
      throw new CliError(
        `download interrupted after ${formatBytes(done)}${of} (${networkErrorCode(err) ?? (err as Error).message}); run the same command again to resume`,
      );
    }
    const size = await sizeOf(part);
    if (total !== undefined && size !== total) {
      throw new CliError(`download incomplete: got ${formatBytes(size)} of ${formatBytes(total)}; run the same command again to resume`);
    }
    await rename(part, dest);
    await rm(metaPath, { force: true });
    return { path: dest, bytes: size, resumedFrom };
  }
  throw new CliError(`download failed: the server's ranges for ${url} do not match the partial file; delete ${part} and retry`);
}
