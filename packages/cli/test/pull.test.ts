// `ryzen pull` and hf: URIs against a loopback HTTP server: cache layout, cache hits, resume
// after a dropped connection (Range + If-Range), HTTP errors and the offline error.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectOneLineError, runCli, STORIES } from "./helpers/cli.js";
import { startFileServer, type FileServer } from "./helpers/file-server.js";

const reference = (JSON.parse(readFileSync(STORIES.replace(/\.gguf$/, ".reference.json"), "utf8")) as {
  cases: { prompt: string; greedy_tokens: number[] }[];
}).cases.find((c) => c.prompt === "Once upon a time")!.greedy_tokens;
const payload = randomBytes(3 * 1024 * 1024 + 123);
const stories = readFileSync(STORIES);
let server: FileServer;
let cacheDir: string;

const env = () => ({ RYZEN_CACHE_DIR: cacheDir, RYZEN_HF_ENDPOINT: server.url });

beforeAll(async () => {
  server = await startFileServer({
    "/acme/tiny/resolve/main/weights/model.gguf": payload,
    "/acme/tiny/resolve/main/resume.gguf": payload,
    "/acme/tiny/resolve/v2/model.gguf": payload.subarray(0, 1000),
    "/ggml-org/models/resolve/main/stories260K.gguf": stories,
    "/plain/file.gguf": payload.subarray(0, 5000),
  });
  cacheDir = mkdtempSync(join(tmpdir(), "ryzen-pull-"));
});

afterAll(async () => {
  await server.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("ryzen pull", () => {
  it("downloads hf:owner/repo/path into the cache, then serves it from the cache", async () => {
    const first = await runCli(["pull", "hf:acme/tiny/weights/model.gguf", "--json"], { env: env() });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out.path).toBe(join(cacheDir, "hf", "acme", "tiny", "main", "weights", "model.gguf"));
    expect(out).toMatchObject({ bytes: payload.length, cached: false, resumed_from: 0 });
    expect(readFileSync(out.path).equals(payload)).toBe(true);
    expect(existsSync(`${out.path}.part`)).toBe(false);

    const before = server.requests.length;
    const again = await runCli(["pull", "hf:acme/tiny/weights/model.gguf", "--json"], { env: env() });
    expect(JSON.parse(again.stdout)).toMatchObject({ path: out.path, cached: true });
    expect(server.requests.length).toBe(before);
  });

  it("accepts a revision (hf:owner/repo@rev/file) and plain http(s) URLs", async () => {
    const rev = await runCli(["pull", "hf:acme/tiny@v2/model.gguf", "--json"], { env: env() });
    expect(rev.code).toBe(0);
    expect(JSON.parse(rev.stdout).path).toBe(join(cacheDir, "hf", "acme", "tiny", "v2", "model.gguf"));
    const url = await runCli(["pull", `${server.url}/plain/file.gguf`], { env: env() });
    expect(url.code).toBe(0);
    const path = url.stdout.trim();
    expect(path.startsWith(join(cacheDir, "url"))).toBe(true);
    expect(readFileSync(path).equals(payload.subarray(0, 5000))).toBe(true);
  });

  it("resumes a download that was cut off, with a Range request", async () => {
    const cut = 1024 * 1024 + 7;
    server.cutNextAfter(cut);
    const broken = await runCli(["pull", "hf:acme/tiny/resume.gguf"], { env: env() });
    const line = expectOneLineError(broken);
    expect(line).toMatch(/interrupted.*run the same command again to resume/);
    const dest = join(cacheDir, "hf", "acme", "tiny", "main", "resume.gguf");
    expect(existsSync(dest)).toBe(false);
    const partial = statSync(`${dest}.part`).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(payload.length);

    const resumed = await runCli(["pull", "hf:acme/tiny/resume.gguf", "--json"], { env: env() });
    expect(resumed.code).toBe(0);
    const out = JSON.parse(resumed.stdout);
    expect(out.resumed_from).toBe(partial);
    const last = server.requests[server.requests.length - 1]!;
    expect(last).toMatchObject({ range: `bytes=${partial}-`, status: 206 });
    expect(last.ifRange).toMatch(/^"/);
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("a missing file is a one-line 404 error", async () => {
    const r = await runCli(["pull", "hf:acme/tiny/nope.gguf"], { env: env() });
    expect(expectOneLineError(r)).toMatch(/HTTP 404/);
  });

  it("an unreachable host is a clear offline error", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runCli(["pull", "hf:acme/tiny/x.gguf"], { env: { ...env(), RYZEN_HF_ENDPOINT: `http://127.0.0.1:${port}` } });
    expect(expectOneLineError(r)).toMatch(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*offline/);
  });

  it("rejects malformed hf: URIs and local paths with a usage error", async () => {
    const bad = await runCli(["pull", "hf:acme/onlyrepo"], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid hf: URI/);
    const local = await runCli(["pull", "model.gguf"], { env: env() });
    expect(local.code).toBe(2);
  });

  it("hf: URIs work wherever <model> is (tokenize and run a downloaded stories260K)", async () => {
    const r = await runCli(["tokenize", "hf:ggml-org/models/stories260K.gguf", "--text", "Once upon a time", "--json"], { env: env() });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ ids: [1, 403, 407, 261, 378] });
    const run = await runCli(["run", "hf:ggml-org/models/stories260K.gguf", "-p", "Once upon a time", "-n", "8", "--temperature", "0", "--json"], { env: env() });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout).tokens).toEqual(reference.slice(0, 8));
  });
});
