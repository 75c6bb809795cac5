import { isIP } from "node:net";
import type { Event } from "@tessera/core";
import { Agent, fetch } from "undici";
import { signatureHeader } from "./signing.js";
import { pinnedLookup, privateLiteral } from "./ssrf.js";

/**
 * Connections for webhook deliveries resolve names through `pinnedLookup`: the addresses checked
 * are the addresses connected to. One agent per process keeps connections to receivers alive.
 */
const pinned = new Agent({ connect: { lookup: pinnedLookup } });
const unpinned = new Agent();

/** A receiver has this long to answer; Standard Webhooks receivers should acknowledge fast and work later. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** How much of a response body the delivery log keeps, for debugging a failing receiver. */
export const RESPONSE_EXCERPT_BYTES = 1024;
export const USER_AGENT = "Tessera-Webhooks/1.0 (+https://tessera.dev/docs/webhooks)";

export interface SendOptions {
  url: string;
  event: Event;
  /** Every secret currently valid: the new one first, then the previous one during a rotation. */
  secrets: readonly string[];
  /** Unix seconds of this attempt: `webhook-timestamp`. */
  timestampSeconds: number;
  allowPrivate: boolean;
  timeoutMs?: number;
}

export interface SendResult {
  succeeded: boolean;
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
  durationMs: number;
}

/** Reads at most RESPONSE_EXCERPT_BYTES and drops the rest, so a huge or endless body costs nothing. */
async function readExcerpt(res: Awaited<ReturnType<typeof fetch>>): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES);
  return new TextDecoder().decode(bytes);
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `timeout: no response within ${timeoutMs} ms`;
  }
  // fetch wraps network failures as TypeError("fetch failed") with the system error as cause.
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  // The pinned lookup's refusal already says what it can without naming an address.
  if (cause?.code === "EPRIVATEADDRESS") return cause.message ?? "refused";
  if (cause?.code) return `${cause.code}: ${cause.message ?? "network error"}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One HTTP attempt of a delivery, as Standard Webhooks describes it. Never throws: every outcome,
 * refused destination included, is data for the delivery log.
 */
export async function sendWebhook(o: SendOptions): Promise<SendResult> {
  const timeoutMs = o.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const body = JSON.stringify(o.event);
  try {
    // A literal address never goes through a lookup: it is checked as it stands.
    const url = new URL(o.url);
    if (!o.allowPrivate && isIP(url.hostname.replace(/^\[|\]$/g, "")) && privateLiteral(o.url)) {
      const error = "refused: the host is a loopback or private address (TESSERA_WEBHOOKS_ALLOW_PRIVATE)";
      return { succeeded: false, statusCode: null, error, excerpt: null, durationMs: elapsed() };
    }
    const res = await fetch(o.url, {
      dispatcher: o.allowPrivate ? unpinned : pinned,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        // The event id: stable across retries and replays, so receivers can dedupe.
        "webhook-id": o.event.id,
        "webhook-timestamp": String(o.timestampSeconds),
        "webhook-signature": signatureHeader(o.secrets, o.event.id, o.timestampSeconds, body),
      },
      body,
      // A redirect could point anywhere, including past the private-address fence: it is a failure.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const excerpt = await readExcerpt(res);
    const succeeded = res.status >= 200 && res.status < 300;
    return {
      succeeded,
      statusCode: res.status,
      error: succeeded ? null : `HTTP ${res.status}`,
      excerpt,
      durationMs: elapsed(),
    };
  } catch (error) {
    return {
      succeeded: false,
      statusCode: null,
      error: describe(error, timeoutMs),
      excerpt: null,
      durationMs: elapsed(),
    };
  }
}
