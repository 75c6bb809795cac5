import type { OnNoConsent, PriceMigrationStrategy } from "@tessera/core";
import type { SubscriptionRow } from "../../db/types.js";
import { addDays, type PriceTerms, periodBounds } from "../billing/index.js";
import type { PendingPriceChangeState } from "../subscriptions/index.js";

/** What a migration does to one subscription; decided from the row as read, before the write. */
export type SubscriptionPlan =
  | { status: "grandfathered" }
  | { status: "skipped"; reason: string }
  | { status: "scheduled" | "awaiting_consent"; effectiveAt: string };

export interface MigrationTerms {
  strategy: PriceMigrationStrategy;
  noticeDays: number;
}

/** Renewals further out than this many periods are not looked for (a daily price, a 10-year notice). */
const MAX_PERIODS = 4000;

/**
 * The first period end at least `noticeDays` after `now`: the renewal from which the new price
 * applies. Computed like billing computes periods (from the anchor; a trial's end anchors the paid
 * periods), so it is exactly an instant at which the period-end job runs.
 */
export function effectiveAt(
  row: Pick<SubscriptionRow, "status" | "current_period_end" | "period_index" | "anchor_at" | "anchor_period">,
  cycle: Pick<PriceTerms, "interval" | "interval_count">,
  now: string,
  noticeDays: number,
): string | undefined {
  const threshold = addDays(now, noticeDays);
  if (row.current_period_end >= threshold) return row.current_period_end;
  const trial = row.status === "trial";
  const anchorAt = trial ? row.current_period_end : row.anchor_at;
  const anchorPeriod = trial ? row.period_index + 1 : row.anchor_period;
  for (let index = row.period_index + 1; index < row.period_index + MAX_PERIODS; index++) {
    const { end } = periodBounds(anchorAt, anchorPeriod, cycle, index);
    if (end >= threshold) return end;
  }
  return undefined;
}

/** Why a subscription is left alone, or undefined when the migration applies to it. */
export function skipReason(row: SubscriptionRow, openChange: boolean): string | undefined {
  if (row.channel !== "direct") {
    return `store_managed: the ${row.channel} channel runs its own price changes (App Store / Play price increase flows)`;
  }
  if (row.status !== "trial" && row.status !== "active") return `not_renewing: the subscription is ${row.status}`;
  if (row.cancel_at_period_end === 1) return "cancel_scheduled: the subscription ends at its period end";
  if (row.pending_price_change !== null || openChange) return "price_change_pending: another price change is pending";
  if (row.pending_plan_change !== null) return "plan_change_pending: the customer scheduled a plan change";
  return undefined;
}

export function planFor(
  row: SubscriptionRow,
  m: MigrationTerms,
  cycle: Pick<PriceTerms, "interval" | "interval_count">,
  now: string,
  openChange: boolean,
): SubscriptionPlan {
  const reason = skipReason(row, openChange);
  if (reason) return { status: "skipped", reason };
  if (m.strategy === "grandfather") return { status: "grandfathered" };
  const at = effectiveAt(row, cycle, now, m.noticeDays);
  if (!at) return { status: "skipped", reason: "no_renewal: no renewal within reach of the notice period" };
  return { status: m.strategy === "notify" ? "scheduled" : "awaiting_consent", effectiveAt: at };
}

/** The change as the subscription row carries it, for billing's period end to read. */
export function pendingState(
  change: { id: string; migration: string; from: string; price: string; bundle: string },
  plan: Extract<SubscriptionPlan, { effectiveAt: string }>,
  m: { onNoConsent: OnNoConsent | null; textVersion: string | null },
): PendingPriceChangeState {
  const consent = plan.status === "awaiting_consent";
  return {
    id: change.id,
    migration: change.migration,
    from: change.from,
    price: change.price,
    bundle: change.bundle,
    effective_at: plan.effectiveAt,
    consent: consent ? "required" : "not_required",
    on_no_consent: consent ? (m.onNoConsent ?? "cancel") : null,
    text_version: consent ? m.textVersion : null,
  };
}
