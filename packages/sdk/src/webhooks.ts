/**
 * Standard Webhooks (https://www.standardwebhooks.com) verification over WebCrypto, so the same
 * code runs on Node, edge runtimes and workers.
 */

import type { CustomerEntitlementsUpdate, Event } from "./generated/types.js";

/**
 * The event a `customer.entitlements_updated` delivery carries: the customer's new effective
 * entitlements and the keys added, removed or changed, pushed once per change.
 *
 * @example
 * const event = await verifyWebhook<WebhookEvent>(secret, headers, body);
 * if (isEntitlementsUpdatedEvent(event)) cache.delete(event.data.object.customer);
 */
export type EntitlementsUpdatedEvent = Omit<Event, "type" | "data"> & {
  type: "customer.entitlements_updated";
  data: { object: CustomerEntitlementsUpdate };
};

/**
 * Any event a webhook delivers; narrow with `event.type` or a guard such as
 * {@link isEntitlementsUpdatedEvent}.
 *
 * @example
 * const event = await verifyWebhook<WebhookEvent>(secret, headers, body);
 * console.log(event.type, event.actor?.type);
 */
export type WebhookEvent = EntitlementsUpdatedEvent | Event;

/**
 * True for a `customer.entitlements_updated` event, typing its `data.object`.
 *
 * @example
 * const event = await verifyWebhook<WebhookEvent>(secret, headers, body);
 * if (isEntitlementsUpdatedEvent(event)) {
 *   const { customer, added, removed, changed } = event.data.object;
 * }
 */
export function isEntitlementsUpdatedEvent(event: { type: string }): event is EntitlementsUpdatedEvent {
  return event.type === "customer.entitlements_updated";
}

/**
 * Why a webhook delivery was refused.
 *
 * @example
 * const tooOld: WebhookErrorCode = "WEBHOOK_TIMESTAMP_TOO_OLD";
 */
export type WebhookErrorCode =
  | "WEBHOOK_HEADERS_MISSING"
  | "WEBHOOK_TIMESTAMP_INVALID"
  | "WEBHOOK_TIMESTAMP_TOO_OLD"
  | "WEBHOOK_TIMESTAMP_TOO_NEW"
  | "WEBHOOK_SIGNATURE_INVALID"
  | "WEBHOOK_SECRET_INVALID"
  | "WEBHOOK_PAYLOAD_INVALID";

/**
 * A refused webhook delivery; answer it with a 400 and do not process it.
 *
 * @example
 * try { await verifyWebhook(secret, req.headers, rawBody); }
 * catch (error) { if (isTesseraWebhookError(error)) res.status(400).end(); }
 */
export class TesseraWebhookError extends Error {
  override readonly name = "TesseraWebhookError";
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * True for a {@link TesseraWebhookError}, also across realms (matches by `name`).
 *
 * @example
 * if (isTesseraWebhookError(error)) console.warn("bad webhook", error.code);
 */
export function isTesseraWebhookError(error: unknown): error is TesseraWebhookError {
  return (
    error instanceof TesseraWebhookError ||
    (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TesseraWebhookError")
  );
}

/**
 * Request headers as Fetch, Node or Express give them.
 *
 * @example
 * const headers: WebhookHeaders = request.headers; // Fetch Headers or IncomingHttpHeaders
 */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Options of {@link verifyWebhook}.
 *
 * @example
 * await verifyWebhook(secret, headers, body, { tolerance: 60 });
 */
export interface VerifyWebhookOptions {
  /** Seconds a delivery's timestamp may differ from now, either way. Default 300 (5 minutes). */
  tolerance?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Verifies a Standard Webhooks delivery (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * and returns the parsed JSON body. Pass the raw body exactly as received: re-serialised JSON
 * does not verify.
 *
 * @example
 * app.post("/webhooks/tessera", express.raw({ type: "application/json" }), async (req, res) => {
 *   const event = await verifyWebhook(process.env.TESSERA_WEBHOOK_SECRET!, req.headers, req.body);
 *   console.log(event.type);
 *   res.sendStatus(204);
 * });
 */
export async function verifyWebhook<T = unknown>(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): Promise<T> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) {
    throw new TesseraWebhookError(
      "WEBHOOK_HEADERS_MISSING",
      "webhook-id, webhook-timestamp and webhook-signature are required",
    );
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new TesseraWebhookError("WEBHOOK_TIMESTAMP_INVALID", "webhook-timestamp must be integer seconds");
  }
  const tolerance = options.tolerance ?? 300;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const sent = Number(timestamp);
  if (sent < now - tolerance) throw new TesseraWebhookError("WEBHOOK_TIMESTAMP_TOO_OLD", "The delivery is too old");
  if (sent > now + tolerance)
    throw new TesseraWebhookError("WEBHOOK_TIMESTAMP_TOO_NEW", "The delivery is from the future");

  const text = typeof body === "string" ? body : decoder.decode(body);
  const expected = await hmac(secret, `${id}.${timestamp}.${text}`);
  let matched = false;
  for (const entry of signatures.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue; // other versions (v1a, …) are not ours
    const given = decodeBase64(entry.slice(comma + 1));
    // Keep looping after a match: the time taken must not tell which entry matched.
    if (given && constantTimeEqual(given, expected)) matched = true;
  }
  if (!matched) throw new TesseraWebhookError("WEBHOOK_SIGNATURE_INVALID", "No v1 signature matches");
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new TesseraWebhookError("WEBHOOK_PAYLOAD_INVALID", "The body is not JSON");
  }
}

/**
 * Signs a payload the way Tessera signs deliveries: for tests of your webhook handler.
 * Returns the three headers to send with the body.
 *
 * @example
 * const headers = await signWebhook(secret, { id: "msg_1", timestamp: new Date(), body: JSON.stringify(event) });
 * await fetch("http://localhost:3000/webhooks/tessera", { method: "POST", headers, body: JSON.stringify(event) });
 */
export async function signWebhook(
  secret: string,
  message: { id: string; timestamp: Date | number; body: string },
): Promise<{ "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string }> {
  const seconds =
    message.timestamp instanceof Date ? Math.floor(message.timestamp.getTime() / 1000) : Math.floor(message.timestamp);
  const signature = await hmac(secret, `${message.id}.${seconds}.${message.body}`);
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": `v1,${encodeBase64(signature)}`,
  };
}

const keys = new Map<string, Promise<CryptoKey>>();

async function hmac(secret: string, content: string): Promise<Uint8Array> {
  let key = keys.get(secret);
  if (!key) {
    key = importSecret(secret);
    // A receiver has a handful of secrets; the bound only protects against misuse.
    if (keys.size >= 16) keys.clear();
    keys.set(secret, key);
    key.catch(() => keys.delete(secret));
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(content)));
}

async function importSecret(secret: string): Promise<CryptoKey> {
  const raw = decodeBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  if (!raw || raw.length === 0)
    throw new TesseraWebhookError("WEBHOOK_SECRET_INVALID", "The secret is not whsec_<base64>");
  return crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(" ") : value;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false; // lengths are public: a SHA-256 MAC is 32 bytes
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
