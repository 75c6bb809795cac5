import { createHash, createHmac } from "node:crypto";
import { constantTimeEqual } from "../../../../lib/crypto.js";
import {
  type ProviderContext,
  type ProviderEvent,
  type ProviderEventType,
  rawExcerpt,
  type WebhookRequest,
  type WebhookResult,
} from "../../provider.js";
import { fromDecimalString } from "../currency.js";

/*
 * Braintree webhooks (developer.paypal.com/braintree/docs/guides/webhooks/parse): a form POST of
 * `bt_signature` and `bt_payload`. The payload is base64 of an XML <notification>; the signature
 * is `public_key|hex HMAC-SHA1(key = SHA-1(private_key), payload)`, several pairs joined by `&`
 * while keys roll (braintree_node's WebhookNotificationGateway does the same, also accepting the
 * payload with a trailing newline). Notifications carry no id of their own: kind + subject id
 * names one (a transaction settles once, a dispute opens once), so a replay dedupes in the inbox.
 */

export function braintreeSignature(privateKey: string, payload: string): string {
  const key = createHash("sha1").update(privateKey, "utf8").digest();
  return createHmac("sha1", key).update(payload, "utf8").digest("hex");
}

const TYPES: Record<string, ProviderEventType> = {
  transaction_settled: "payment.settled",
  transaction_settlement_declined: "payment.failed",
  dispute_opened: "payment.disputed",
  dispute_won: "payment.dispute_closed",
  dispute_lost: "payment.dispute_closed",
  dispute_accepted: "payment.dispute_closed",
  dispute_auto_accepted: "payment.dispute_closed",
  dispute_expired: "payment.dispute_closed",
  refund_failed: "payment.refund_failed",
};

/** The text of the first `<name>` element inside `xml` (Braintree's notifications are flat enough for this). */
export function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  return m?.[1]
    ?.replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

function element(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*)</${name}>`).exec(xml);
  return m?.[1];
}

/** Finds the GraphQL id of a legacy transaction id (`idFromLegacyId`). */
export type LegacyLookup = (ctx: ProviderContext, legacyId: string) => Promise<string | undefined>;

export async function verifyBraintreeWebhook(
  ctx: ProviderContext,
  request: WebhookRequest,
  lookup: LegacyLookup,
): Promise<WebhookResult> {
  const { public_key: publicKey, private_key: privateKey } = await ctx.credentials();
  if (!publicKey || !privateKey)
    return { verified: false, reason: "no public_key/private_key configured for braintree" };
  const form = new URLSearchParams(request.body);
  const signature = form.get("bt_signature");
  const payload = form.get("bt_payload");
  if (!signature || !payload) return { verified: false, reason: "bt_signature and bt_payload are required" };
  if (/[^A-Za-z0-9+=/\n]/.test(payload)) return { verified: false, reason: "bt_payload contains illegal characters" };
  const pair = signature
    .split("&")
    .map((p) => p.split("|"))
    .find(([key]) => key === publicKey);
  if (!pair?.[1]) return { verified: false, reason: "no signature for this storefront's public key" };
  const given = pair[1];
  if (![payload, `${payload}\n`].some((p) => constantTimeEqual(given, braintreeSignature(privateKey, p))))
    return { verified: false, reason: "bt_signature does not match bt_payload" };
  const xml = Buffer.from(payload, "base64").toString("utf8");
  const kind = xmlText(xml, "kind");
  const timestamp = xmlText(xml, "timestamp");
  const subject = element(xml, "subject");
  if (!kind || !subject) return { verified: false, reason: "not a Braintree notification" };
  const type = TYPES[kind];
  if (!type) return { verified: true, events: [] };
  const dispute = element(subject, "dispute");
  const transaction = element(dispute ?? subject, "transaction") ?? "";
  const legacyId =
    kind === "refund_failed" ? xmlText(transaction, "refunded-transaction-id") : xmlText(transaction, "id");
  const subjectId = xmlText(dispute ?? transaction, "id");
  if (!legacyId || !subjectId) return { verified: true, events: [] };
  const reference = await lookup(ctx, legacyId);
  if (!reference) return { verified: true, events: [] };
  const currency = xmlText(dispute ?? transaction, "currency-iso-code") ?? null;
  const value = dispute
    ? (xmlText(dispute, "amount-disputed") ?? xmlText(dispute, "amount"))
    : xmlText(transaction, "amount");
  const amount = value && currency ? fromDecimalString(value, currency) : null;
  const event: ProviderEvent = {
    id: `${kind}:${subjectId}`,
    type,
    reference,
    ...(!dispute && xmlText(transaction, "order-id") && { merchantReference: xmlText(transaction, "order-id")! }),
    amount,
    currency,
    ...(kind === "transaction_settled" && amount !== null && { totals: { captured: amount } }),
    occurredAt: new Date(timestamp ?? ctx.scope.clock.now().toISOString()).toISOString(),
    vendor: { code: kind, raw: rawExcerpt(xml) },
  };
  return { verified: true, events: [event] };
}
