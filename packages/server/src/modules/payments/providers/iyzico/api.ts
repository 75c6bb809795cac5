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

/**
 * One signed request with the storefront's `api_base`, `timeout_ms`, `api_key` and `secret_key`:
 * a JSON POST, or a GET whose parameters go in the query. iyzipay-node signs a GET over the path
 * without its query and an empty JSON object (`{}`) as the body; so do we.
 */
export async function callIyzico(
  fetchImpl: typeof fetch,
  ctx: ProviderContext,
  path: string,
  body: unknown,
  method: "POST" | "GET" = "POST",
): Promise<Exchange> {
  const { api_key: apiKey, secret_key: secretKey } = await ctx.credentials();
  if (!apiKey || !secretKey) return missingCredential("iyzico", "api_key/secret_key credential");
  const json = method === "GET" ? "{}" : JSON.stringify(body);
  const query =
    method === "GET" ? `?${new URLSearchParams(Object.entries(body as Record<string, string>)).toString()}` : "";
  // A nonce, not a time: iyzico only needs it unique per request.
  const randomKey = randomBytes(12).toString("hex");
  return sendToVendor(fetchImpl, ctx, IYZICO_API_BASE, {
    method,
    path: `${path}${query}`,
    headers: {
      authorization: iyzicoAuthorization(apiKey, secretKey, randomKey, path, json),
      "x-iyzi-rnd": randomKey,
      accept: "application/json",
      ...(method === "POST" && { "content-type": "application/json" }),
    },
    ...(method === "POST" && { body: json }),
  });
}

/** Every iyzico answer: `status` says whether the request worked; failures carry a code and group. */
export interface IyzicoAnswer {
  status?: "success" | "failure";
  errorCode?: string;
  errorMessage?: string;
  errorGroup?: string;
  conversationId?: string;
  systemTime?: number;
}

/** A payment as /payment/auth, /payment/preauth, /payment/postauth and /payment/3dsecure/auth answer it. */
export interface IyzicoPayment extends IyzicoAnswer {
  paymentId?: string;
  price?: number;
  paidPrice?: number;
  currency?: string;
  /** 1 accepted, 0 under review, -1 refused by iyzico's fraud checks. */
  fraudStatus?: number;
  phase?: "AUTH" | "PRE_AUTH" | "POST_AUTH";
  cardAssociation?: string;
  lastFourDigits?: string;
  /** /payment/3dsecure/initialize: the bank's page, base64-encoded HTML. */
  threeDSHtmlContent?: string;
}

/** A refund as the reporting service lists it under its payment transaction. */
export interface IyzicoReportedRefund {
  refundTxId?: number;
  refundConversationId?: string;
  refundPrice?: number;
  /** 1 done, 0 failed (as paymentStatus counts). */
  refundStatus?: number;
  currencyCode?: string;
  errorCode?: string;
}

/** A payment as GET /v2/reporting/payment/details lists it (iyzipay-java PaymentDetail). */
export interface IyzicoReportedPayment {
  paymentId?: number | string;
  /** FAILURE(0), SUCCESS(1), INIT_THREEDS(2), CALLBACK_THREEDS(3), … */
  paymentStatus?: number;
  paymentRefundStatus?: string;
  price?: number;
  paidPrice?: number;
  currency?: string;
  fraudStatus?: number;
  phase?: "AUTH" | "PRE_AUTH" | "POST_AUTH";
  paymentConversationId?: string;
  cancels?: { cancelConversationId?: string; refundPrice?: number; refundStatus?: number }[];
  itemTransactions?: { paymentTransactionId?: number | string; refunds?: IyzicoReportedRefund[] }[];
}

export interface IyzicoReport extends IyzicoAnswer {
  payments?: IyzicoReportedPayment[];
}

/** A stored card as POST /cardstorage/cards lists it. */
export interface IyzicoCardDetail {
  cardToken?: string;
  cardAlias?: string;
  binNumber?: string;
  lastFourDigits?: string;
  cardType?: string;
  cardAssociation?: string;
  cardFamily?: string;
}

/*
 * Tessera payment method tokens are `pm_[A-Za-z0-9_]+`; an iyzico stored card is two base64-ish
 * keys (cardUserKey, cardToken). `pm_iyz_<user>_X<card>` with `+`, `/`, `=` escaped as `_P`,
 * `_S`, `_E`: an underscore always starts an escape, so the split is unambiguous.
 */
const ESCAPES: Record<string, string> = { "+": "_P", "/": "_S", "=": "_E" };
const UNESCAPES: Record<string, string> = { P: "+", S: "/", E: "=" };
const KEY_CHARS = /^[A-Za-z0-9+/=]+$/;

export interface StoredCard {
  cardUserKey: string;
  cardToken: string;
}

export function cardTokenOf(card: StoredCard): string {
  if (!KEY_CHARS.test(card.cardUserKey) || !KEY_CHARS.test(card.cardToken))
    throw new Error("iyzico card keys are base64 strings");
  const escaped = (v: string) => v.replace(/[+/=]/g, (c) => ESCAPES[c]!);
  return `pm_iyz_${escaped(card.cardUserKey)}_X${escaped(card.cardToken)}`;
}

/** The stored card behind a token: ours (`pm_iyz_…`) or iyzico's own pair `cardUserKey:cardToken`. */
export function storedCardOf(token: string): StoredCard | undefined {
  if (token.startsWith("pm_iyz_")) {
    const parts = token.slice("pm_iyz_".length).split("_X");
    if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
    const unescaped = (v: string) => {
      const out = v.replace(/_([PSE])/g, (_, c: string) => UNESCAPES[c]!);
      return out.includes("_") || !KEY_CHARS.test(out) ? undefined : out;
    };
    const [cardUserKey, cardToken] = [unescaped(parts[0]), unescaped(parts[1])];
    return cardUserKey && cardToken ? { cardUserKey, cardToken } : undefined;
  }
  const [cardUserKey, cardToken, ...rest] = token.split(":");
  if (rest.length || !cardUserKey || !cardToken || !KEY_CHARS.test(cardUserKey) || !KEY_CHARS.test(cardToken))
    return undefined;
  return { cardUserKey, cardToken };
}
