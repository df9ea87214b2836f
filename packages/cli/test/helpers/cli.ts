// Spawns the built CLI (dist/bin.js) as a user would, always with a time limit.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
export const SHARED = fileURLToPath(new URL("../../../../../shared/", import.meta.url));
export const STORIES = `${SHARED}models/stories260K.gguf`;

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm --filter @ryzen/cli build\` first`);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ryzen ${args.join(" ")} timed out after ${opts.timeoutMs ?? 60_000} ms\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Starts `ryzen serve` on an ephemeral loopback port; resolves once it is listening. */
export function startServe(args: string[], timeoutMs = 60_000): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", ...args, "--host", "127.0.0.1", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ryzen serve did not start in ${timeoutMs} ms\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => stderr });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`ryzen serve exited with ${code}\nstderr: ${stderr}`));
    });
  });
}

/** SIGTERM and wait for exit (SIGKILL after a bound). Resolves to the exit code. */
export function stopProcess(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

/** A one-line error: exactly one non-empty line on stderr, starting with "ryzen". */
export function expectOneLineError(r: CliResult): string {
  if (r.signal) throw new Error(`crashed with ${r.signal}: ${r.stderr}`);
  if (r.code === 0) throw new Error(`expected failure, got exit 0; stdout: ${r.stdout.slice(0, 200)}`);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1 || !lines[0]!.startsWith("ryzen")) {
    throw new Error(`expected a one-line error, got:\n${r.stderr}`);
  }
  return lines[0]!;
}
