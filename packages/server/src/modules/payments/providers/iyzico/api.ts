import { createHmac, randomBytes } from "node:crypto";
import type { ProviderContext } from "../../provider.js";
import { toDecimalString } from "../currency.js";
import { type Exchange, missingCredential, sendToVendor } from "../http.js";

/*
 * iyzico's HTTP API (docs.iyzico.com; the request shapes of iyzico/iyzipay-node), signed with
 * IYZWSv2: HMAC-SHA256(secret key, random key + URI path + JSON body) in hex, sent as
 * `Authorization: IYZWSv2 base64("apiKey:<key>&randomKey:<rnd>&signature:<hex>")` with the random
 * key also in `x-iyzi-rnd`. The `iyzipay` SDK is not used: it sends through postman-request, so the
 * injected fetch and the "not sent" / "no answer" distinction would be lost.
 */

export const IYZICO_API_BASE = "https://sandbox-api.iyzipay.com";

/** The Authorization header for one request (path without the host, body exactly as sent). */
export function iyzicoAuthorization(
  apiKey: string,
  secretKey: string,
  randomKey: string,
  path: string,
  body: string,
): string {
  const signature = createHmac("sha256", secretKey).update(`${randomKey}${path}${body}`, "utf8").digest("hex");
  const params = `apiKey:${apiKey}&randomKey:${randomKey}&signature:${signature}`;
  return `IYZWSv2 ${Buffer.from(params, "utf8").toString("base64")}`;
}

/**
 * iyzico's price format: a decimal with trailing zeros dropped but at least one decimal ("1.0",
 * "10.5", "0.001"), as its SDKs send and as its response signatures expect. Exact: built from the
 * integer minor units, never from a float.
 */
export function iyzicoPrice(amount: number, currency: string): string {
  const text = toDecimalString(amount, currency);
  if (!text.includes(".")) return `${text}.0`;
  const trimmed = text.replace(/0+$/, "");
  return trimmed.endsWith(".") ? `${trimmed}0` : trimmed;
}

/** One signed JSON POST with the storefront's `api_base`, `timeout_ms`, `api_key` and `secret_key`. */
export async function callIyzico(
  fetchImpl: typeof fetch,
  ctx: ProviderContext,
  path: string,
  body: unknown,
): Promise<Exchange> {
  const { api_key: apiKey, secret_key: secretKey } = await ctx.credentials();
  if (!apiKey || !secretKey) return missingCredential("iyzico", "api_key/secret_key credential");
  const json = JSON.stringify(body);
  // A nonce, not a time: iyzico only needs it unique per request.
  const randomKey = randomBytes(12).toString("hex");
  return sendToVendor(fetchImpl, ctx, IYZICO_API_BASE, {
    method: "POST",
    path,
    headers: {
      authorization: iyzicoAuthorization(apiKey, secretKey, randomKey, path, json),
      "x-iyzi-rnd": randomKey,
      "content-type": "application/json",
      accept: "application/json",
    },
    body: json,
  });
}
