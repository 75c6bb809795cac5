import type { EventType, PendingPriceChange, StatusChange, Subscription, SubscriptionStatus } from "@tessera/core";
import type { PaymentRow, SubscriptionRow } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";
import type { PendingChange } from "../billing/index.js";
import { toPayment } from "../payments/service.js";

export function historyOf(row: Pick<SubscriptionRow, "status_history">): StatusChange[] {
  return fromJson<StatusChange[]>(row.status_history, []);
}

/**
 * The payment method a charge of this subscription uses. Only subscriptions our own billing runs
 * (channel `direct`) are ever charged, and those always have one: a null here is a bug, not a decline.
 */
export function chargeMethod(row: Pick<SubscriptionRow, "id" | "channel" | "payment_method">): string {
  if (row.payment_method === null) {
    throw new Error(`subscription ${row.id} (channel ${row.channel}) has no payment method and is never charged by us`);
  }
  return row.payment_method;
}

export function pendingChangeOf(row: Pick<SubscriptionRow, "pending_plan_change">): PendingChange | null {
  return fromJson<PendingChange | null>(row.pending_plan_change, null);
}

/**
 * A price migration's change waiting on the subscription (modules/price-changes writes it, billing's
 * period end applies it). `from` is the price it replaces: a plan change since makes it moot.
 */
export interface PendingPriceChangeState extends PendingPriceChange {
  from: string;
  bundle: string;
}

export function pendingPriceChangeOf(
  row: Pick<SubscriptionRow, "pending_price_change">,
): PendingPriceChangeState | null {
  return fromJson<PendingPriceChangeState | null>(row.pending_price_change, null);
}

export function toSubscription(row: SubscriptionRow, latestPayment: PaymentRow | null): Subscription {
  const pending = pendingChangeOf(row);
  return {
    id: row.id,
    object: "subscription",
    customer: row.customer_id,
    storefront: row.storefront_id,
    bundle: row.bundle_id,
    price: row.price_id,
    channel: row.channel as Subscription["channel"],
    status: row.status,
    period_index: row.period_index,
    current_period_start: row.current_period_start,
    current_period_end: row.current_period_end,
    trial_end: row.trial_end,
    cancel_at_period_end: row.cancel_at_period_end === 1,
    cancelled_at: row.cancelled_at,
    ended_at: row.ended_at,
    next_retry_at: row.next_retry_at,
    status_history: historyOf(row),
    // A scheduled change takes effect at the end of whatever the current period is.
    pending_plan_change: pending && { ...pending, effective_at: row.current_period_end },
    pending_price_change: publicPriceChange(pendingPriceChangeOf(row)),
    payment_method: row.payment_method,
    latest_payment: latestPayment && latestPayment.id === row.latest_payment_id ? toPayment(latestPayment) : null,
    metadata: fromJson(row.metadata, {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function publicPriceChange(state: PendingPriceChangeState | null): PendingPriceChange | null {
  if (!state) return null;
  const { from: _from, bundle: _bundle, ...shown } = state;
  return shown;
}

/** The event that announces a change of status (the property tests hold every history entry to one). */
export function statusEvent(from: SubscriptionStatus | null, to: SubscriptionStatus): EventType {
  switch (to) {
    case "trial":
      return "subscription.trial_started";
    case "active":
      return from === "grace" || from === "suspended" ? "subscription.recovered" : "subscription.activated";
    case "grace":
      return "subscription.grace_started";
    case "suspended":
      return "subscription.suspended";
    case "cancelled":
      return "subscription.cancelled";
    case "expired":
      return "subscription.expired";
  }
}

export const STATUS_EVENT_TYPES: Readonly<Record<SubscriptionStatus, readonly EventType[]>> = {
  trial: ["subscription.trial_started"],
  active: ["subscription.activated", "subscription.recovered"],
  grace: ["subscription.grace_started"],
  suspended: ["subscription.suspended"],
  cancelled: ["subscription.cancelled"],
  expired: ["subscription.expired"],
};
