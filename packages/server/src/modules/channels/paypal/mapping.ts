import type { ChannelEffect } from "../port.js";
import type { PayPalSubscription } from "./api.js";

/*
 * PayPal's webhook events for subscriptions (developer.paypal.com "Webhook event names",
 * Subscriptions and Payments sections) → our external events. A subscription event's subtype is
 * what its resource says: ACTIVATED during a trial cycle is `…ACTIVATED/TRIAL`, UPDATED carries
 * the subscription's status (`…UPDATED/SUSPENDED`).
 *
 * * PayPal keeps a subscription ACTIVE while it retries a failed payment (up to the plan's
 *   payment_failure_threshold), then SUSPENDS it: a failed payment is grace, suspended is on hold.
 * * CANCELLED ends it at PayPal at once (no more cycles are billed): access ends now.
 * * A refunded sale removes access at once (DESIGN §1); a reversed one (chargeback) is a revoke.
 * * BILLING.SUBSCRIPTION.CREATED (APPROVAL_PENDING: the buyer has not approved) grants nothing
 *   and is not in the table: it is kept, and its plan and custom_id still serve the link.
 */
export const PAYPAL_MAPPING: Readonly<Record<string, ChannelEffect>> = {
  "BILLING.SUBSCRIPTION.ACTIVATED": { event: "external_renewed", cancelAtPeriodEnd: false },
  "BILLING.SUBSCRIPTION.ACTIVATED/TRIAL": { event: "external_renewed", trial: true, cancelAtPeriodEnd: false },
  "BILLING.SUBSCRIPTION.RE-ACTIVATED": { event: "external_renewed", cancelAtPeriodEnd: false },
  "BILLING.SUBSCRIPTION.UPDATED/ACTIVE": { event: "external_renewed" },
  "BILLING.SUBSCRIPTION.UPDATED/SUSPENDED": { event: "external_on_hold" },
  "BILLING.SUBSCRIPTION.UPDATED/CANCELLED": { event: "external_cancelled" },
  "BILLING.SUBSCRIPTION.UPDATED/EXPIRED": { event: "external_expired" },
  "BILLING.SUBSCRIPTION.SUSPENDED": { event: "external_on_hold" },
  "BILLING.SUBSCRIPTION.CANCELLED": { event: "external_cancelled" },
  "BILLING.SUBSCRIPTION.EXPIRED": { event: "external_expired" },
  "BILLING.SUBSCRIPTION.PAYMENT.FAILED": { event: "external_grace" },
  "PAYMENT.SALE.COMPLETED": { event: "external_renewed" },
  "PAYMENT.SALE.DENIED": { event: "external_grace" },
  "PAYMENT.SALE.REFUNDED": { event: "refunded" },
  "PAYMENT.SALE.REVERSED": { event: "revoked" },
};

/** What a subscription's status says, for a re-fetch (`GET /v1/billing/subscriptions/{id}`). */
export function effectOfStatus(subscription: PayPalSubscription): ChannelEffect {
  switch (subscription.status) {
    case "ACTIVE":
      return inTrial(subscription) ? { event: "external_renewed", trial: true } : { event: "external_renewed" };
    case "SUSPENDED":
      return { event: "external_on_hold" };
    case "CANCELLED":
      return { event: "external_cancelled" };
    case "EXPIRED":
      return { event: "external_expired" };
    default:
      // APPROVAL_PENDING / APPROVED: the buyer has not finished; nothing is granted yet.
      return { event: null };
  }
}

/** In its trial: a trial cycle ran and no regular cycle has yet (billing_info.cycle_executions). */
export function inTrial(subscription: PayPalSubscription): boolean {
  const cycles = subscription.billing_info?.cycle_executions ?? [];
  const trial = cycles.some((c) => c.tenure_type === "TRIAL" && c.cycles_completed > 0);
  const regular = cycles.some((c) => c.tenure_type === "REGULAR" && c.cycles_completed > 0);
  return trial && !regular;
}

/** The paid period PayPal states: from the last payment (or the start) to the next billing time. */
export function periodOf(subscription: PayPalSubscription): { start: string; end: string } | undefined {
  const start = subscription.billing_info?.last_payment?.time ?? subscription.start_time;
  const end = subscription.billing_info?.next_billing_time;
  if (!start || !end) return undefined;
  const s = new Date(start);
  const e = new Date(end);
  if (Number.isNaN(s.getTime()) || Number.isNaN(e.getTime()) || s > e) return undefined;
  return { start: s.toISOString(), end: e.toISOString() };
}
