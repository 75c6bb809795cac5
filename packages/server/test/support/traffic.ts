/** Requests with a bound on how long each may take, and a record of what came back. */

import type { Json } from "../harness.js";

export interface Answer {
  status: number | "hang" | "network error";
  contentType: string | null;
  retryAfter: string | null;
  body: Json;
}

/** One request that gives up after `boundMs` (recorded as "hang": a fault must never make one). */
export async function request(
  url: string,
  init: { method?: string; key?: string; tn?: string; body?: unknown } = {},
  boundMs = 15_000,
): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method: init.method ?? "GET",
      headers: {
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.tn ? { "x-tn": init.tn } : {}),
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(boundMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    return {
      status: res.status,
      contentType: res.headers.get("content-type"),
      retryAfter: res.headers.get("retry-after"),
      body,
    };
  } catch (error) {
    const name = (error as Error).name;
    return {
      status: name === "TimeoutError" || name === "AbortError" ? "hang" : "network error",
      contentType: null,
      retryAfter: null,
      body: String(error),
    };
  }
}

/** What is wrong with an answer given during an outage: only a success or a well-formed 503 is right. */
export function badAnswer(a: Answer, ok: number[] = [200, 201]): string | undefined {
  if (typeof a.status === "number" && ok.includes(a.status)) return undefined;
  if (a.status !== 503) return `${a.status}: ${JSON.stringify(a.body)}`;
  if (!a.contentType?.includes("application/problem+json")) return `503 with content-type ${a.contentType}`;
  if (a.body?.code !== "UNAVAILABLE") return `503 with body ${JSON.stringify(a.body)}`;
  if (!a.retryAfter) return "503 without Retry-After";
  return undefined;
}

/** Loops of requests running until stopped; returns every answer. */
export function traffic(loops: number, next: (i: number) => Promise<Answer>) {
  let running = true;
  const answers: Answer[] = [];
  const runs = Array.from({ length: loops }, async (_, loop) => {
    for (let i = loop; running; i += loops) answers.push(await next(i));
  });
  return {
    answers,
    async stop(): Promise<Answer[]> {
      running = false;
      await Promise.all(runs);
      return answers;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it holds, at most `tries` times. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}
