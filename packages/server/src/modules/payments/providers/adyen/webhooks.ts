import { createHmac } from "node:crypto";
import { constantTimeEqual } from "../../../../lib/crypto.js";
import {
  type ProviderContext,
  type ProviderEvent,
  type ProviderEventType,
  rawExcerpt,
  type WebhookRequest,
  type WebhookResult,
} from "../../provider.js";
import { parseJson } from "../http.js";

/*
 * Adyen standard webhooks (docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures):
 * a batch of NotificationRequestItems, each signed in `additionalData.hmacSignature` = base64
 * HMAC-SHA256, keyed with the hex-decoded `hmac_key`, over
 * pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success.
 * The signature is inside the body, so anyone holding an old genuine body could replay it; the
 * webhook's basic-auth credentials (`webhook_username`/`webhook_password`), when configured, are
 * checked too, as Adyen recommends. Every item must verify, or the whole batch is refused.
 */

export interface NotificationItem {
  eventCode: string;
  success: "true" | "false";
  pspReference: string;
  originalReference?: string;
  merchantAccountCode: string;
  merchantReference: string;
  amount: { value: number; currency: string };
  eventDate: string;
  reason?: string;
  additionalData?: Record<string, string>;
}

export function adyenItemSignature(hexKey: string, n: NotificationItem): string {
  const data = [
    n.pspReference,
    n.originalReference ?? "",
    n.merchantAccountCode,
    n.merchantReference,
    n.amount?.value ?? "",
    n.amount?.currency ?? "",
    n.eventCode,
    n.success,
  ].join(":");
  return createHmac("sha256", Buffer.from(hexKey, "hex")).update(data, "utf8").digest("base64");
}

const MODIFICATIONS = new Set(["CAPTURE", "CANCELLATION", "REFUND"]);

function typeOf(n: NotificationItem): ProviderEventType | undefined {
  const ok = n.success === "true";
  switch (n.eventCode) {
    case "AUTHORISATION":
      return ok ? "payment.authorized" : "payment.failed";
    case "CAPTURE":
      // A refused capture leaves the authorization as it was: nothing to apply.
      return ok ? "payment.captured" : undefined;
    case "CAPTURE_FAILED":
      return "payment.failed";
    case "CANCELLATION":
      return ok ? "payment.voided" : undefined;
    case "REFUND":
      return ok ? "payment.refunded" : "payment.refund_failed";
    case "REFUND_FAILED":
    case "REFUNDED_REVERSED":
      return "payment.refund_failed";
    case "CHARGEBACK":
    case "NOTIFICATION_OF_CHARGEBACK":
      return "payment.disputed";
    case "CHARGEBACK_REVERSED":
    case "PREARBITRATION_WON":
    case "PREARBITRATION_LOST":
      return "payment.dispute_closed";
    default:
      return undefined;
  }
}

function toEvent(n: NotificationItem, raw: string): ProviderEvent | undefined {
  const type = typeOf(n);
  if (!type) return undefined;
  return {
    // A modification's PSP reference names it once; other events are named by code and payment.
    id: MODIFICATIONS.has(n.eventCode) ? n.pspReference : `${n.eventCode}:${n.pspReference}`,
    type,
    reference: n.originalReference || n.pspReference,
    ...(n.eventCode === "AUTHORISATION" && { merchantReference: n.merchantReference }),
    amount: typeof n.amount?.value === "number" ? n.amount.value : null,
    currency: n.amount?.currency ?? null,
    occurredAt: new Date(n.eventDate).toISOString(),
    ...((type === "payment.disputed" || type === "payment.dispute_closed") && {
      dispute: {
        id: n.pspReference,
        status: type === "payment.disputed" ? "open" : n.eventCode === "PREARBITRATION_LOST" ? "lost" : "won",
        reason: n.reason ?? null,
      },
    }),
    vendor: { code: `${n.eventCode}:${n.success}${n.reason ? `:${n.reason}` : ""}`, raw: rawExcerpt(raw) },
  };
}

export async function verifyAdyenWebhook(ctx: ProviderContext, request: WebhookRequest): Promise<WebhookResult> {
  const creds = await ctx.credentials();
  if (!creds.hmac_key) return { verified: false, reason: "no hmac_key credential is configured for adyen" };
  if (creds.webhook_username) {
    const expected = `Basic ${Buffer.from(`${creds.webhook_username}:${creds.webhook_password ?? ""}`).toString("base64")}`;
    if (!constantTimeEqual(request.headers.authorization ?? "", expected))
      return { verified: false, reason: "basic authentication failed" };
  }
  const body = parseJson<{ notificationItems?: { NotificationRequestItem?: NotificationItem }[] }>(request.body);
  const items = body?.notificationItems?.map((i) => i.NotificationRequestItem);
  if (!items || items.length === 0 || items.some((n) => !n))
    return { verified: false, reason: "not an Adyen notification" };
  const events: ProviderEvent[] = [];
  for (const n of items as NotificationItem[]) {
    const given = n.additionalData?.hmacSignature ?? "";
    if (!constantTimeEqual(given, adyenItemSignature(creds.hmac_key, n)))
      return { verified: false, reason: `hmacSignature mismatch for ${n.pspReference}` };
    const e = toEvent(n, JSON.stringify(n));
    if (e) events.push(e);
  }
  return { verified: true, events };
}
