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
import { fromVendorUnits } from "../currency.js";
import { parseJson } from "../http.js";
import { STRIPE_EXPONENTS } from "./api.js";

/*
 * Stripe webhooks (docs.stripe.com/webhooks#verify-manually): `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`,
 * v1 = HMAC-SHA256 of `<t>.<raw body>` keyed with the endpoint's signing secret (`webhook_secret`).
 * Several v1 entries appear while a secret is being rolled; any one matching is enough.
 */

/** Stripe's libraries default to five minutes; older timestamps are replays. */
export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;

export function stripeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

interface StripeEvent {
  id: string;
  object: "event";
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

const TYPES: Record<string, ProviderEventType> = {
  "payment_intent.amount_capturable_updated": "payment.authorized",
  "payment_intent.succeeded": "payment.captured",
  "payment_intent.payment_failed": "payment.failed",
  "payment_intent.canceled": "payment.voided",
  "charge.refunded": "payment.refunded",
  "charge.dispute.created": "payment.disputed",
  "charge.dispute.closed": "payment.dispute_closed",
  "refund.failed": "payment.refund_failed",
};

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" ? v : undefined);

function toEvent(e: StripeEvent, raw: string): ProviderEvent | undefined {
  const type = TYPES[e.type];
  const o = e.data?.object ?? {};
  if (!type) return undefined;
  // Our reference is the PaymentIntent: intents name themselves, charges/refunds/disputes point at theirs.
  const reference = o.object === "payment_intent" ? str(o.id) : str(o.payment_intent);
  if (!reference) return undefined;
  const currency = str(o.currency)?.toUpperCase() ?? null;
  const units = (v: unknown) => {
    const n = num(v);
    return n === undefined || !currency ? undefined : fromVendorUnits(n, currency, STRIPE_EXPONENTS);
  };
  const captured =
    o.object === "charge"
      ? units(o.amount_captured)
      : o.object === "payment_intent"
        ? units(o.amount_received)
        : undefined;
  const refunded = o.object === "charge" ? units(o.amount_refunded) : undefined;
  const totals = { ...(captured !== undefined && { captured }), ...(refunded !== undefined && { refunded }) };
  const metadata = (o.metadata ?? {}) as Record<string, unknown>;
  const merchantReference = str(metadata.tessera_idempotency_key);
  return {
    id: e.id,
    type,
    reference,
    ...(merchantReference && { merchantReference }),
    // charge.refunded carries totals, not the one refund's amount.
    amount: o.object === "charge" ? null : (units(o.amount) ?? null),
    currency,
    ...(Object.keys(totals).length > 0 && { totals }),
    ...(o.object === "dispute" && {
      dispute: {
        id: str(o.id) ?? null,
        // A closed inquiry (warning_closed) took no money: the merchant keeps it, as when won.
        status: type === "payment.disputed" ? "open" : str(o.status) === "lost" ? "lost" : "won",
        reason: str(o.reason) ?? null,
      },
    }),
    occurredAt: new Date(e.created * 1000).toISOString(),
    vendor: { code: e.type, raw: rawExcerpt(raw) },
  };
}

export async function verifyStripeWebhook(ctx: ProviderContext, request: WebhookRequest): Promise<WebhookResult> {
  const { webhook_secret: secret } = await ctx.credentials();
  if (!secret) return { verified: false, reason: "no webhook_secret credential is configured for stripe" };
  const header = request.headers["stripe-signature"];
  if (!header) return { verified: false, reason: "no Stripe-Signature header" };
  let t = Number.NaN;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.split("=", 2);
    if (k?.trim() === "t") t = Number(v);
    else if (k?.trim() === "v1" && v) v1.push(v.trim());
  }
  if (!Number.isInteger(t) || v1.length === 0) return { verified: false, reason: "malformed Stripe-Signature header" };
  if (Math.abs(ctx.scope.clock.now().getTime() / 1000 - t) > STRIPE_WEBHOOK_TOLERANCE_SECONDS)
    return { verified: false, reason: "signature timestamp outside the tolerance" };
  const expected = stripeSignature(secret, t, request.body);
  if (!v1.some((sig) => constantTimeEqual(sig, expected))) return { verified: false, reason: "signature mismatch" };
  const event = parseJson<StripeEvent>(request.body);
  if (event?.object !== "event" || typeof event.id !== "string")
    return { verified: false, reason: "not a Stripe event" };
  const mapped = toEvent(event, request.body);
  // A signed event we do not use is acknowledged with no events, so Stripe stops resending it.
  return { verified: true, events: mapped ? [mapped] : [] };
}
