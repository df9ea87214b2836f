// A one-line progress bar on stderr. Drawn only when the stream is a TTY, so pipes, logs and
// --json consumers never see carriage returns; redraws are throttled to ~10 per second.
import type { OutStream } from "./command.js";
import { formatBytes } from "./format.js";

export interface Progress {
  update(done: number, total: number, detail?: string): void;
  /** Clears the bar (the caller prints its own summary). */
  finish(): void;
}

const NO_PROGRESS: Progress = { update() {}, finish() {} };

export function createProgress(
  stream: OutStream,
  label: string,
  opts: { bytes?: boolean; enabled?: boolean } = {},
): Progress {
  if (!stream.isTTY || opts.enabled === false) return NO_PROGRESS;
  let last = 0;
  let drawn = false;
  const start = Date.now();
  const fmt = (n: number) => (opts.bytes ? formatBytes(n) : String(n));
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const width = 24;
      const filled = Math.round(frac * width);
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      let line = `${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${fmt(done)}/${fmt(total)}`;
      if (opts.bytes && done > 0) {
        const rate = done / Math.max(0.001, (now - start) / 1000);
        line += ` ${formatBytes(rate)}/s`;
      }
      if (detail) line += ` ${detail}`;
      const cols = stream.columns ?? 100;
      if (line.length > cols - 1) line = line.slice(0, cols - 1);
      stream.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write("\r\x1b[2K");
      drawn = false;
    },
  };
}
