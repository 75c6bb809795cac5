import { createHmac } from "node:crypto";
import { constantTimeEqual } from "../../../../lib/crypto.js";
import { type ProviderEventType, rawExcerpt, type WebhookResult } from "../../provider.js";

/*
 * iyzico webhook signatures (docs.iyzico.com/en/advanced/webhook, `X-IYZ-SIGNATURE-V3`): hex
 * HMAC-SHA256 keyed with the merchant's secret key over a plain concatenation (no separator) —
 * direct payments: secretKey + iyziEventType + paymentId + paymentConversationId + status;
 * hosted pages (checkout form, PayWithiyzico): secretKey + iyziEventType + iyziPaymentId + token +
 * paymentConversationId + status. The signature covers those fields only, not the whole body.
 */

export interface IyzicoNotification {
  iyziEventType?: string;
  iyziEventTime?: number;
  iyziReferenceCode?: string;
  paymentId?: string | number;
  iyziPaymentId?: string | number;
  token?: string;
  paymentConversationId?: string;
  merchantId?: string | number;
  status?: string;
}

/** The string iyzico signs for a notification, by its format (hosted pages carry a `token`). */
export function iyzicoSignedString(secretKey: string, n: IyzicoNotification): string {
  const s = (v: unknown) => (v === undefined || v === null ? "" : String(v));
  return n.token !== undefined
    ? `${secretKey}${s(n.iyziEventType)}${s(n.iyziPaymentId ?? n.paymentId)}${s(n.token)}${s(n.paymentConversationId)}${s(n.status)}`
    : `${secretKey}${s(n.iyziEventType)}${s(n.paymentId)}${s(n.paymentConversationId)}${s(n.status)}`;
}

export function iyzicoWebhookSignature(secretKey: string, n: IyzicoNotification): string {
  return createHmac("sha256", secretKey).update(iyzicoSignedString(secretKey, n), "utf8").digest("hex");
}

export type IyzicoVerification =
  | { verified: true; notification: IyzicoNotification }
  | { verified: false; reason: string };

/** Verifies one delivery: lower-case headers and the raw JSON body. A refusal is data, never a throw. */
export function verifyIyzicoSignature(
  secretKey: string | undefined,
  request: { headers: Record<string, string>; body: string },
): IyzicoVerification {
  if (!secretKey) return { verified: false, reason: "no secret_key is configured for iyzico" };
  const given = request.headers["x-iyz-signature-v3"];
  if (!given) return { verified: false, reason: "no X-IYZ-SIGNATURE-V3 header" };
  let n: IyzicoNotification;
  try {
    n = JSON.parse(request.body) as IyzicoNotification;
  } catch {
    return { verified: false, reason: "not an iyzico notification" };
  }
  if (!n || typeof n !== "object" || !n.iyziEventType || !n.status)
    return { verified: false, reason: "not an iyzico notification" };
  if (!constantTimeEqual(given.toLowerCase(), iyzicoWebhookSignature(secretKey, n)))
    return { verified: false, reason: "X-IYZ-SIGNATURE-V3 does not match" };
  return { verified: true, notification: n };
}

/** Payment results → events; 3-D Secure steps carry no result and map to none. */
const EVENT_OF: Record<string, ProviderEventType | undefined> = {
  SUCCESS: "payment.authorized",
  FAILURE: "payment.failed",
};

/**
 * A verified notification as our events. iyzico pushes payment results (`status` SUCCESS or
 * FAILURE for API_AUTH, THREE_DS_AUTH, PAYMENT_API, CHECKOUT_FORM_AUTH…) and refund retries
 * (REFUND_RETRY_SUCCESS / REFUND_RETRY_FAILURE); no amounts. A SUCCESS says the bank approved:
 * `payment.authorized` (a pre-authorization is captured by us, never by a webhook). The event id
 * is `iyziReferenceCode`, unique per notification: redeliveries deduplicate on it.
 */
export function readIyzicoWebhook(
  secretKey: string | undefined,
  request: { headers: Record<string, string>; body: string },
  now: Date,
): WebhookResult {
  const v = verifyIyzicoSignature(secretKey, request);
  if (!v.verified) return v;
  const n = v.notification;
  const paymentId = n.paymentId ?? n.iyziPaymentId;
  if (!n.iyziReferenceCode || paymentId === undefined) return { verified: true, events: [] };
  const type =
    n.iyziEventType === "REFUND_RETRY_SUCCESS"
      ? "payment.refunded"
      : n.iyziEventType === "REFUND_RETRY_FAILURE"
        ? "payment.refund_failed"
        : EVENT_OF[n.status ?? ""];
  if (!type) return { verified: true, events: [] };
  return {
    verified: true,
    events: [
      {
        id: n.iyziReferenceCode,
        type,
        reference: String(paymentId),
        ...(n.paymentConversationId && { merchantReference: n.paymentConversationId }),
        amount: null,
        currency: null,
        occurredAt: (typeof n.iyziEventTime === "number" ? new Date(n.iyziEventTime) : now).toISOString(),
        vendor: { code: `${n.iyziEventType}:${n.status}`, raw: rawExcerpt(request.body) },
      },
    ],
  };
}
