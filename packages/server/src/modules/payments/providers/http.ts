/*
 * HTTP for the real adapters, through the injected fetch. What matters for money is whether a
 * request that got no answer may have been processed: a refused connection or an unresolvable
 * host never left us (`not_sent`, failover is safe); a timeout or a connection dropped after
 * connecting may have reached the vendor (`lost`, the payment stays pending until retrieve).
 */

import { createHash } from "node:crypto";
import type { ProviderContext } from "../provider.js";

export type Exchange =
  | { kind: "answer"; status: number; body: string; headers: Headers }
  | { kind: "not_sent"; message: string }
  | { kind: "lost"; message: string };

/** Error codes that mean the connection was never made, so no byte of the request left. */
const NEVER_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function causeCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export async function exchange(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Exchange> {
  const controller = new AbortController();
  // A wall-clock timer, not business time: it bounds how long we wait on a socket.
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(url, { ...init, signal: controller.signal });
    const body = await response.text();
    return { kind: "answer", status: response.status, body, headers: response.headers };
  } catch (error) {
    const code = causeCode(error);
    if (code && NEVER_CONNECTED.has(code)) return { kind: "not_sent", message: `${code}: ${url}` };
    if (controller.signal.aborted) return { kind: "lost", message: `no answer within ${timeoutMs} ms` };
    return { kind: "lost", message: error instanceof Error ? `${error.message}${code ? ` (${code})` : ""}` : "failed" };
  } finally {
    clearTimeout(timer);
  }
}

/** Parses a JSON answer; a vendor's non-JSON answer (a proxy's HTML page) is `undefined`. */
export function parseJson<T>(body: string): T | undefined {
  try {
    return JSON.parse(body) as T;
  } catch {
    return undefined;
  }
}

/** Numeric provider settings arrive as numbers or strings from storefront config. */
export function numberSetting(value: unknown, fallback: number): number {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** A storefront's optional string setting (`return_url`, `merchant_account`…). */
export function stringSetting(ctx: ProviderContext, name: string): string | undefined {
  const value = ctx.config[name];
  return value === undefined || value === "" ? undefined : String(value);
}

/** One request to a vendor's API, relative to the storefront's `api_base`. */
export interface VendorRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Appended to the base: `/v2/checkout/orders`, `/payment/auth`… */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Sends a request the way every adapter does: to the storefront's `api_base` (or the vendor's
 * default), bounded by its `timeout_ms`, through the injected fetch. Adapters only build headers
 * and bodies; whether an answer may have moved money stays `exchange`'s one decision.
 */
export function sendToVendor(
  fetchImpl: typeof fetch,
  ctx: ProviderContext,
  defaultBase: string,
  request: VendorRequest,
): Promise<Exchange> {
  const base = String(ctx.config.api_base ?? defaultBase).replace(/\/+$/, "");
  return exchange(
    fetchImpl,
    `${base}${request.path}`,
    { method: request.method, headers: request.headers, ...(request.body !== undefined && { body: request.body }) },
    numberSetting(ctx.config.timeout_ms, DEFAULT_TIMEOUT_MS),
  );
}

/** A storefront that lists a vendor without its credentials: nothing can be sent, so routing may move on. */
export function missingCredential(vendor: string, what: string): Exchange {
  return { kind: "not_sent", message: `${vendor}: no ${what} is configured for this storefront` };
}

/** An idempotency key within a vendor's length limit: longer keys are sent as their SHA-256 (still unique, still stable). */
export function boundedKey(key: string, limit: number): string {
  return key.length <= limit ? key : createHash("sha256").update(key).digest("hex");
}
