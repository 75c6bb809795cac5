import { createHash } from "node:crypto";
import type { ProviderContext } from "../../provider.js";
import { DEFAULT_TIMEOUT_MS, type Exchange, exchange, numberSetting } from "../http.js";

/* Adyen Checkout API v71 (docs.adyen.com/api-explorer/Checkout/71, Adyen/adyen-openapi CheckoutService-v71.json). */

export const ADYEN_API_BASE = "https://checkout-test.adyen.com";
export const ADYEN_VERSION = "v71";
/** Adyen stores idempotency keys of at most 64 characters; longer keys are sent as their SHA-256. */
export const ADYEN_KEY_LIMIT = 64;

export interface AdyenAmount {
  value: number;
  currency: string;
}

export interface AdyenPaymentResponse {
  pspReference?: string;
  resultCode?: string;
  refusalReason?: string;
  refusalReasonCode?: string;
  merchantReference?: string;
  amount?: AdyenAmount;
  action?: { type: string; url?: string; method?: string; paymentData?: string; token?: string; subtype?: string };
  additionalData?: Record<string, string>;
  paymentMethod?: { brand?: string; type?: string };
}

export interface AdyenModificationResponse {
  pspReference: string;
  paymentPspReference: string;
  status: "received";
  amount?: AdyenAmount;
  reference?: string;
  merchantAccount: string;
}

/** Adyen's error body (ServiceError). */
export interface AdyenError {
  status?: number;
  errorCode?: string;
  message?: string;
  errorType?: string;
  pspReference?: string;
}

export function adyenKey(key: string): string {
  return key.length <= ADYEN_KEY_LIMIT ? key : createHash("sha256").update(key).digest("hex");
}

export async function merchantAccountOf(ctx: ProviderContext): Promise<string | undefined> {
  const creds = await ctx.credentials();
  const account = creds.merchant_account ?? ctx.config.merchant_account;
  return account === undefined || account === "" ? undefined : String(account);
}

/** One JSON POST to Checkout with the storefront's `api_base`, `timeout_ms` and `api_key`. */
export async function callAdyen(
  fetchImpl: typeof fetch,
  ctx: ProviderContext,
  path: string,
  body: unknown,
  idempotencyKey: string,
): Promise<Exchange> {
  const { api_key: apiKey } = await ctx.credentials();
  // A storefront listing adyen without its credentials: nothing can be sent, so routing may move on.
  if (!apiKey) return { kind: "not_sent", message: "adyen: no api_key credential is configured for this storefront" };
  if (path !== "/payments/details" && !(body as { merchantAccount?: string }).merchantAccount)
    return { kind: "not_sent", message: "adyen: no merchant_account is configured for this storefront" };
  const base = String(ctx.config.api_base ?? ADYEN_API_BASE).replace(/\/+$/, "");
  return exchange(
    fetchImpl,
    `${base}/${ADYEN_VERSION}${path}`,
    {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json", "idempotency-key": adyenKey(idempotencyKey) },
      body: JSON.stringify(body),
    },
    numberSetting(ctx.config.timeout_ms, DEFAULT_TIMEOUT_MS),
  );
}
