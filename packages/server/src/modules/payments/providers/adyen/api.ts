import type { ProviderContext } from "../../provider.js";
import { boundedKey, type Exchange, missingCredential, sendToVendor } from "../http.js";

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

export const adyenKey = (key: string): string => boundedKey(key, ADYEN_KEY_LIMIT);

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
  if (!apiKey) return missingCredential("adyen", "api_key credential");
  if (path !== "/payments/details" && !(body as { merchantAccount?: string }).merchantAccount)
    return missingCredential("adyen", "merchant_account");
  return sendToVendor(fetchImpl, ctx, ADYEN_API_BASE, {
    method: "POST",
    path: `/${ADYEN_VERSION}${path}`,
    headers: { "x-api-key": apiKey, "content-type": "application/json", "idempotency-key": adyenKey(idempotencyKey) },
    body: JSON.stringify(body),
  });
}
