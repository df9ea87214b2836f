// Small HTTP helpers for tests: raw requests and SSE parsing, all bounded by timeouts.

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Splits an SSE body into its `data:` payloads, checking the framing on the way. */
export function parseSse(body: string): string[] {
  if (!body.endsWith("\n\n")) throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(body.slice(-40))}`);
  return body
    .slice(0, -2)
    .split("\n\n")
    .map((event) => {
      if (!event.startsWith("data: ") || event.includes("\n")) throw new Error(`bad SSE event: ${JSON.stringify(event)}`);
      return event.slice("data: ".length);
    });
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
