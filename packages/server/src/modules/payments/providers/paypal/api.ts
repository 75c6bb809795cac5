import type { Clock } from "../../../../lib/clock.js";
import type { ProviderContext } from "../../provider.js";
import { boundedKey, type Exchange, missingCredential, parseJson, sendToVendor } from "../http.js";

/*
 * PayPal REST (developer.paypal.com/api/rest; paypal/paypal-rest-api-specifications
 * checkout_orders_v2.json, payments_payment_v2.json, vault_payment_tokens_v3.json): JSON over
 * OAuth 2.0 client-credentials bearer tokens, `PayPal-Request-Id` as the idempotency key.
 */

export const PAYPAL_API_BASE = "https://api-m.sandbox.paypal.com";

/**
 * Where PayPal's decimal `value` strings differ from ISO 4217: HUF, JPY and TWD take no decimals
 * (developer.paypal.com/api/rest/reference/currency-codes). JPY already has none in ISO.
 */
export const PAYPAL_EXPONENTS: Readonly<Record<string, number>> = { HUF: 0, JPY: 0, TWD: 0 };

/** PayPal-Request-Id is at most 108 characters. */
export const PAYPAL_REQUEST_ID_LIMIT = 108;

export interface PayPalMoney {
  currency_code: string;
  value: string;
}

export interface PayPalProcessorResponse {
  avs_code?: string;
  cvv_code?: string;
  response_code?: string;
  payment_advice_code?: string;
}

export interface PayPalCapture {
  id: string;
  status: "COMPLETED" | "DECLINED" | "PARTIALLY_REFUNDED" | "PENDING" | "REFUNDED" | "FAILED";
  status_details?: { reason?: string };
  amount?: PayPalMoney;
  custom_id?: string;
  final_capture?: boolean;
  processor_response?: PayPalProcessorResponse;
}

export interface PayPalAuthorization {
  id: string;
  status: "CREATED" | "CAPTURED" | "DENIED" | "PARTIALLY_CAPTURED" | "VOIDED" | "PENDING";
  amount?: PayPalMoney;
  custom_id?: string;
  processor_response?: PayPalProcessorResponse;
}

export interface PayPalRefund {
  id: string;
  status: "CANCELLED" | "FAILED" | "PENDING" | "COMPLETED";
  status_details?: { reason?: string };
  amount?: PayPalMoney;
  custom_id?: string;
}

export interface PayPalOrder {
  id: string;
  intent?: "CAPTURE" | "AUTHORIZE";
  status: "CREATED" | "SAVED" | "APPROVED" | "VOIDED" | "COMPLETED" | "PAYER_ACTION_REQUIRED";
  purchase_units?: {
    reference_id?: string;
    custom_id?: string;
    amount?: PayPalMoney;
    payments?: { authorizations?: PayPalAuthorization[]; captures?: PayPalCapture[]; refunds?: PayPalRefund[] };
  }[];
  links?: { href: string; rel: string; method?: string }[];
}

export interface PayPalError {
  name?: string;
  message?: string;
  debug_id?: string;
  details?: { issue?: string; description?: string; field?: string }[];
}

export interface PayPalPaymentToken {
  id: string;
  customer?: { id: string };
  payment_source?: {
    card?: { brand?: string; last_digits?: string; expiry?: string };
    paypal?: { email_address?: string; payer_id?: string };
    venmo?: { email_address?: string };
  };
}

/** The first detail's issue (`INSTRUMENT_DECLINED`, `REFUND_AMOUNT_EXCEEDED`…), else the error name. */
export function issueOf(e: PayPalError | undefined): string | undefined {
  return e?.details?.[0]?.issue ?? e?.name;
}

/** A token lives this long less a margin, so a call never starts with one about to expire. */
const TOKEN_MARGIN_SECONDS = 60;

/**
 * Client-credentials tokens (POST /v1/oauth2/token), cached per API base and client until they
 * expire: PayPal rate-limits the token endpoint and a token lasts hours.
 */
export class PayPalTokens {
  readonly #cache = new Map<string, { token: string; expiresAt: number }>();
  /** One token request per key at a time: concurrent charges share it instead of each asking PayPal. */
  readonly #inFlight = new Map<string, Promise<{ token: string } | Exchange>>();
  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly clock: Clock,
  ) {}

  async get(ctx: ProviderContext): Promise<{ token: string } | Exchange> {
    const { client_id: clientId, client_secret: secret } = await ctx.credentials();
    if (!clientId || !secret) return missingCredential("paypal", "client_id/client_secret credential");
    const key = `${String(ctx.config.api_base ?? PAYPAL_API_BASE)}|${clientId}`;
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > this.clock.now().getTime()) return { token: cached.token };
    const running = this.#inFlight.get(key);
    if (running) return running;
    const request = this.#fetchToken(ctx, key, clientId, secret).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, request);
    return request;
  }

  async #fetchToken(
    ctx: ProviderContext,
    key: string,
    clientId: string,
    secret: string,
  ): Promise<{ token: string } | Exchange> {
    const x = await sendToVendor(this.fetchImpl, ctx, PAYPAL_API_BASE, {
      method: "POST",
      path: "/v1/oauth2/token",
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: "grant_type=client_credentials",
    });
    const t =
      x.kind === "answer" && x.status === 200
        ? parseJson<{ access_token?: string; expires_in?: number }>(x.body)
        : undefined;
    // No token, no payment request: whatever went wrong, the charge itself never left.
    if (!t?.access_token)
      return {
        kind: "not_sent",
        message: `paypal: no access token (${x.kind === "answer" ? `HTTP ${x.status}` : x.message})`,
      };
    const lifetime = Math.max(0, (t.expires_in ?? 0) - TOKEN_MARGIN_SECONDS);
    this.#cache.set(key, { token: t.access_token, expiresAt: this.clock.now().getTime() + lifetime * 1000 });
    return { token: t.access_token };
  }

  /** Drops a token PayPal refused; a newer one that another call already fetched is kept. */
  forget(ctx: ProviderContext, clientId: string, token: string): void {
    const key = `${String(ctx.config.api_base ?? PAYPAL_API_BASE)}|${clientId}`;
    if (this.#cache.get(key)?.token === token) this.#cache.delete(key);
  }
}

export interface PayPalCall {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  /** Sent as `PayPal-Request-Id`. */
  requestId?: string;
}

/** One call with a bearer token; a 401 (an expired or revoked token, nothing processed) is retried once with a new one. */
export async function callPayPal(
  fetchImpl: typeof fetch,
  tokens: PayPalTokens,
  ctx: ProviderContext,
  call: PayPalCall,
): Promise<Exchange> {
  for (let attempt = 0; ; attempt++) {
    const t = await tokens.get(ctx);
    if ("kind" in t) return t;
    const headers: Record<string, string> = {
      authorization: `Bearer ${t.token}`,
      "content-type": "application/json",
      // The whole resource back, so replayed answers can be compared with what we asked.
      prefer: "return=representation",
    };
    if (call.requestId) headers["paypal-request-id"] = boundedKey(call.requestId, PAYPAL_REQUEST_ID_LIMIT);
    const x = await sendToVendor(fetchImpl, ctx, PAYPAL_API_BASE, {
      method: call.method,
      path: call.path,
      headers,
      ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
    });
    if (x.kind === "answer" && x.status === 401 && attempt === 0) {
      tokens.forget(ctx, (await ctx.credentials()).client_id ?? "", t.token);
      continue;
    }
    return x;
  }
}
