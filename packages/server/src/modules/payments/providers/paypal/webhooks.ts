import type { Clock } from "../../../../lib/clock.js";
import {
  type ProviderContext,
  type ProviderEvent,
  type ProviderEventType,
  rawExcerpt,
  type WebhookRequest,
  type WebhookResult,
} from "../../provider.js";
import { fromDecimalString } from "../currency.js";
import { type Exchange, parseJson } from "../http.js";
import type { PayPalMoney } from "./api.js";
import { createPayPalSignatureVerifier } from "./webhook-signature.js";

/*
 * PayPal webhooks (developer.paypal.com/api/rest/webhooks/event-names): verified offline
 * (webhook-signature.ts) against the storefront's `webhook_id`, then mapped. Events name the
 * payment by its order: captures and authorizations carry `supplementary_data.related_ids.order_id`;
 * refunds only link `up` to their capture, so the capture is read to find its order; disputes
 * name the capture as `seller_transaction_id`.
 */

interface PayPalEvent {
  id: string;
  event_type: string;
  create_time: string;
  resource_type?: string;
  resource: Record<string, unknown>;
}

const TYPES: Record<string, ProviderEventType> = {
  "PAYMENT.AUTHORIZATION.CREATED": "payment.authorized",
  "PAYMENT.AUTHORIZATION.VOIDED": "payment.voided",
  "PAYMENT.CAPTURE.COMPLETED": "payment.captured",
  "PAYMENT.CAPTURE.DENIED": "payment.failed",
  "PAYMENT.CAPTURE.DECLINED": "payment.failed",
  "PAYMENT.CAPTURE.REFUNDED": "payment.refunded",
  "CUSTOMER.DISPUTE.CREATED": "payment.disputed",
  "CUSTOMER.DISPUTE.RESOLVED": "payment.dispute_closed",
};

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const obj = (v: unknown) => (v && typeof v === "object" ? (v as Record<string, unknown>) : undefined);
const money = (v: unknown): PayPalMoney | undefined => {
  const m = obj(v);
  return m && typeof m.value === "string" && typeof m.currency_code === "string"
    ? { value: m.value, currency_code: m.currency_code }
    : undefined;
};
const minor = (m: PayPalMoney | undefined) => (m ? fromDecimalString(m.value, m.currency_code) : undefined);

/** Reads a capture (GET /v2/payments/captures/{id}) to learn its order. */
export type CaptureLookup = (ctx: ProviderContext, captureId: string) => Promise<Exchange>;

async function orderOfCapture(ctx: ProviderContext, lookup: CaptureLookup, captureId: string) {
  const x = await lookup(ctx, captureId);
  if (x.kind !== "answer" || x.status !== 200) return undefined;
  const capture = parseJson<{ supplementary_data?: { related_ids?: { order_id?: string } } }>(x.body);
  return capture?.supplementary_data?.related_ids?.order_id;
}

async function referenceOf(ctx: ProviderContext, e: PayPalEvent, lookup: CaptureLookup): Promise<string | undefined> {
  const r = e.resource;
  const related = obj(obj(r.supplementary_data)?.related_ids);
  if (str(related?.order_id)) return str(related?.order_id);
  if (e.event_type === "PAYMENT.CAPTURE.REFUNDED") {
    const up = (r.links as { rel?: string; href?: string }[] | undefined)?.find((l) => l.rel === "up")?.href;
    const captureId = up ? /\/captures\/([^/?#]+)/.exec(up)?.[1] : undefined;
    return captureId ? orderOfCapture(ctx, lookup, captureId) : undefined;
  }
  if (e.event_type.startsWith("CUSTOMER.DISPUTE.")) {
    const txn = (r.disputed_transactions as { seller_transaction_id?: string }[] | undefined)?.[0];
    return txn?.seller_transaction_id ? orderOfCapture(ctx, lookup, txn.seller_transaction_id) : undefined;
  }
  return undefined;
}

async function toEvent(ctx: ProviderContext, e: PayPalEvent, raw: string, lookup: CaptureLookup) {
  const type = TYPES[e.event_type];
  if (!type) return undefined;
  const reference = await referenceOf(ctx, e, lookup);
  if (!reference) return undefined;
  const r = e.resource;
  const amount = money(r.amount) ?? money(r.dispute_amount);
  const refunded = minor(money(obj(r.seller_payable_breakdown)?.total_refunded_amount));
  const captured = e.event_type === "PAYMENT.CAPTURE.COMPLETED" ? minor(amount) : undefined;
  const totals = { ...(captured !== undefined && { captured }), ...(refunded !== undefined && { refunded }) };
  const custom = str(r.custom_id);
  const event: ProviderEvent = {
    id: e.id,
    type,
    reference,
    // Our charge key rides as the capture's or authorization's custom_id.
    ...(custom && !e.event_type.endsWith("REFUNDED") && { merchantReference: custom }),
    amount: minor(amount) ?? null,
    currency: amount?.currency_code ?? null,
    ...(Object.keys(totals).length > 0 && { totals }),
    occurredAt: new Date(e.create_time).toISOString(),
    vendor: { code: e.event_type, raw: rawExcerpt(raw) },
  };
  return event;
}

export function paypalWebhooks(
  deps: { fetch: typeof fetch; clock: Clock; trustedRoots?: readonly string[] },
  lookup: CaptureLookup,
) {
  const verifier = createPayPalSignatureVerifier(deps);
  return async (ctx: ProviderContext, request: WebhookRequest): Promise<WebhookResult> => {
    const creds = await ctx.credentials();
    const webhookId = creds.webhook_id ?? (ctx.config.webhook_id === undefined ? "" : String(ctx.config.webhook_id));
    if (!webhookId) return { verified: false, reason: "no webhook_id is configured for paypal" };
    const checked = await verifier.verify(request, webhookId, ctx.scope.clock);
    if (!checked.verified) return checked;
    const event = parseJson<PayPalEvent>(request.body);
    if (!event?.id || !event.event_type || !event.resource) return { verified: false, reason: "not a PayPal event" };
    const mapped = await toEvent(ctx, event, request.body, lookup);
    // A verified event we do not use is acknowledged with no events, so PayPal stops resending it.
    return { verified: true, events: mapped ? [mapped] : [] };
  };
}
