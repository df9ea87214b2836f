// A loopback HTTP server that serves files with Range/If-Range support, and can cut the
// connection part-way through a response to simulate a dropped download.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FileServer {
  url: string;
  requests: { path: string; range?: string; ifRange?: string; status: number }[];
  /** Cut the next full-body response after this many bytes. */
  cutNextAfter(bytes: number): void;
  close(): Promise<void>;
}

export async function startFileServer(files: Record<string, Uint8Array>): Promise<FileServer> {
  const requests: FileServer["requests"] = [];
  let cutAfter: number | undefined;
  const etags = new Map(Object.entries(files).map(([p, b]) => [p, `"${createHash("sha1").update(b).digest("hex")}"`]));
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const body = files[path];
    const range = req.headers.range;
    const ifRange = req.headers["if-range"] as string | undefined;
    const log = (status: number) => requests.push({ path, range, ifRange, status });
    if (!body) {
      log(404);
      res.writeHead(404).end("not found");
      return;
    }
    const etag = etags.get(path)!;
    let start = 0;
    let status = 200;
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m && (!ifRange || ifRange === etag)) {
      start = Number(m[1]);
      if (start >= body.length) {
        log(416);
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
    }
    log(status);
    const part = body.subarray(start);
    const headers: Record<string, string | number> = { "content-length": part.length, etag, "accept-ranges": "bytes" };
    if (status === 206) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(status, headers);
    if (cutAfter !== undefined) {
      const n = cutAfter;
      cutAfter = undefined;
      res.write(part.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutNextAfter(bytes) {
      cutAfter = bytes;
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
