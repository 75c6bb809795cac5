import type { ProviderContext } from "../../provider.js";
import { type Exchange, missingCredential, sendToVendor } from "../http.js";

/* Stripe's wire format: form-encoded requests, JSON answers (docs.stripe.com/api). */

export const STRIPE_API_BASE = "https://api.stripe.com";
/** Pinned so Stripe's answers keep the shapes this adapter reads. */
export const STRIPE_API_VERSION = "2024-06-20";

/**
 * Stripe's amount exponents where they differ from ISO 4217: ISK and UGX are zero-decimal but
 * Stripe takes them as two-decimal amounts (docs.stripe.com/currencies, "Special cases").
 */
export const STRIPE_EXPONENTS: Readonly<Record<string, number>> = { ISK: 2, UGX: 2 };

export interface StripePaymentIntent {
  id: string;
  object: "payment_intent";
  status:
    | "requires_payment_method"
    | "requires_confirmation"
    | "requires_action"
    | "processing"
    | "requires_capture"
    | "canceled"
    | "succeeded";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  client_secret?: string | null;
  metadata?: Record<string, string>;
  latest_charge?: string | null;
  next_action?: {
    type: string;
    redirect_to_url?: { url: string; return_url?: string | null };
    use_stripe_sdk?: unknown;
  } | null;
  last_payment_error?: StripeError | null;
  cancellation_reason?: string | null;
}

export interface StripeError {
  type: string;
  code?: string;
  decline_code?: string;
  message?: string;
  param?: string;
  advice_code?: string;
  network_advice_code?: string;
  network_decline_code?: string;
  payment_intent?: StripePaymentIntent;
}

export interface StripeRefund {
  id: string;
  object: "refund";
  amount: number;
  currency: string;
  status: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
  payment_intent?: string | null;
  failure_reason?: string | null;
}

export interface StripePaymentMethod {
  id: string;
  object: "payment_method";
  customer?: string | null;
  card?: { brand: string; last4: string; exp_month: number; exp_year: number; fingerprint?: string | null } | null;
}

export type Params = { [key: string]: string | number | boolean | undefined | null | string[] | Params };

/** Stripe's form encoding: nested objects as `a[b]=c`, lists as `a[]=x`. */
export function formEncode(params: Params, prefix = ""): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const name = prefix ? `${prefix}[${k}]` : k;
    if (Array.isArray(v))
      for (const item of v) parts.push(`${encodeURIComponent(`${name}[]`)}=${encodeURIComponent(item)}`);
    else if (typeof v === "object") {
      const nested = formEncode(v, name);
      if (nested) parts.push(nested);
    } else parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(v))}`);
  }
  return parts.join("&");
}

export interface StripeCall {
  method: "GET" | "POST";
  path: string;
  params?: Params;
  idempotencyKey?: string;
}

/** One call to Stripe with the storefront's settings (`api_base`, `timeout_ms`) and `secret_key`. */
export async function callStripe(fetchImpl: typeof fetch, ctx: ProviderContext, call: StripeCall): Promise<Exchange> {
  const { secret_key: secretKey } = await ctx.credentials();
  if (!secretKey) return missingCredential("stripe", "secret_key credential");
  const form = call.params ? formEncode(call.params) : "";
  const headers: Record<string, string> = {
    authorization: `Bearer ${secretKey}`,
    "stripe-version": STRIPE_API_VERSION,
  };
  if (call.idempotencyKey) headers["idempotency-key"] = call.idempotencyKey;
  if (call.method === "POST") headers["content-type"] = "application/x-www-form-urlencoded";
  return sendToVendor(fetchImpl, ctx, STRIPE_API_BASE, {
    method: call.method,
    path: call.method === "GET" && form ? `${call.path}?${form}` : call.path,
    headers,
    ...(call.method === "POST" && { body: form }),
  });
}
