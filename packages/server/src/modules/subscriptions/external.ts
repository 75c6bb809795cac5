import {
  type Bundle,
  type ChannelName,
  EXTERNAL_TARGETS,
  type ExternalEvent,
  type Price,
  type SubscriptionStatus,
} from "@tessera/core";
import type { Scope } from "../../context.js";
import type { Db, SubscriptionRow } from "../../db/types.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import type { SubscriptionStore } from "./store.js";

/*
 * Subscriptions a store or partner runs (App Store, Play, PayPal, carrier). The vendor charges and
 * retries; we hold no payment method, schedule no renewal or dunning, and move the status only
 * on the vendor's reports (modules/channels decides which report wins). Written through the one
 * store, in the caller's transaction, so the inbox row and the change commit together.
 */

export interface NewExternal {
  channel: Exclude<ChannelName, "direct">;
  customerId: string;
  storefrontId: string;
  price: Price;
  bundle: Bundle;
  status: SubscriptionStatus;
  period: { start: string; end: string };
  cancelAtPeriodEnd: boolean;
  /** When the vendor ended it (status cancelled/expired). */
  endedAt: string | null;
  correlationId: string | null;
}

export async function insertExternal(
  store: SubscriptionStore,
  tx: Db,
  scope: Scope,
  input: NewExternal,
): Promise<SubscriptionRow> {
  const now = scope.clock.now().toISOString();
  const ended = input.status === "cancelled" || input.status === "expired";
  const row: SubscriptionRow = {
    id: newId("subscription"),
    tenant_id: scope.tenantId,
    environment_id: scope.environmentId,
    customer_id: input.customerId,
    storefront_id: input.storefrontId,
    bundle_id: input.bundle.id,
    price_id: input.price.id,
    channel: input.channel,
    status: input.status,
    payment_method: null,
    period_index: input.status === "trial" ? 0 : 1,
    anchor_at: input.period.start,
    anchor_period: 1,
    current_period_start: input.period.start,
    current_period_end: input.period.end,
    trial_end: input.status === "trial" ? input.period.end : null,
    cancel_at_period_end: input.cancelAtPeriodEnd ? 1 : 0,
    cancelled_at: input.status === "cancelled" ? (input.endedAt ?? now) : null,
    ended_at: ended ? (input.endedAt ?? now) : null,
    status_history: "[]",
    pending_plan_change: null,
    pending_price_change: null,
    latest_payment_id: null,
    inflight_payment_id: null,
    unpaid_payment_id: null,
    dunning_step: null,
    dunning_retryable: null,
    next_retry_at: null,
    payment_check_at: null,
    version: 1,
    metadata: toJson({}),
    created_at: now,
    updated_at: now,
  };
  return store.insert(tx, scope, row, { latestPayment: null, correlationId: input.correlationId });
}

export interface ExternalChange {
  /** The vendor's report that decides the status; null: the status stays. */
  event: ExternalEvent | null;
  /** The deciding report started a trial: a subscription still in its trial stays there. */
  trial?: boolean | undefined;
  cancelAtPeriodEnd?: boolean | undefined;
  period?: { start: string; end: string } | undefined;
  /** The vendor's time of the deciding report: when an ended subscription ended. */
  at: string;
  correlationId: string | null;
}

/** Applies a vendor's state to the row as read; undefined when the row changed since (re-read and retry). */
export async function writeExternal(
  store: SubscriptionStore,
  tx: Db,
  scope: Scope,
  row: SubscriptionRow,
  change: ExternalChange,
): Promise<SubscriptionRow | undefined> {
  const patch: Partial<SubscriptionRow> = {};
  if (change.cancelAtPeriodEnd !== undefined) patch.cancel_at_period_end = change.cancelAtPeriodEnd ? 1 : 0;
  if (change.period) {
    patch.current_period_start = change.period.start;
    patch.current_period_end = change.period.end;
  }
  const stays = !change.event || (change.trial === true && row.status === "trial");
  const target = stays ? row.status : EXTERNAL_TARGETS[change.event!];
  if (target !== row.status) {
    const ended = target === "cancelled" || target === "expired";
    patch.ended_at = ended ? change.at : null;
    patch.cancelled_at = target === "cancelled" ? change.at : ended ? row.cancelled_at : null;
  }
  const changed = Object.entries(patch).some(([k, v]) => row[k as keyof SubscriptionRow] !== v);
  if (target === row.status && !changed) return row;
  return store.write(tx, scope, row, {
    ...(change.event && target !== row.status ? { move: { event: change.event } } : {}),
    patch,
    correlationId: change.correlationId,
  });
}
