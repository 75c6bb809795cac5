import type { SubscriptionRow } from "../../db/types.js";
import type { AuditEntry } from "../audit/service.js";
import { pendingChangeOf, pendingPriceChangeOf, type Write } from "../subscriptions/index.js";
import type { Apply } from "./charge.js";

type Change = Omit<Write, "correlationId">;

/*
 * The one place a price migration (modules/price-changes) reaches the renewal: at the period end at
 * or after its effective_at, a pending price change either becomes the price of the next period, or
 * ends without applying. Every period end that meets a due change clears it and says which, so the
 * change is applied at most once and never silently dropped.
 */
export type PriceChangeAtPeriodEnd =
  | { kind: "none" }
  | { kind: "apply"; id: string; price: string }
  /** require_consent without consent, on_no_consent "cancel": the subscription ends at this period end. */
  | { kind: "cancel"; id: string; reason: string }
  /** Not applied: kept on the old price (no consent, "keep"), or moot (the customer changed plan). */
  | { kind: "expire"; id: string; reason: string };

export function priceChangeAt(row: SubscriptionRow): PriceChangeAtPeriodEnd {
  const change = pendingPriceChangeOf(row);
  if (!change || change.effective_at > row.current_period_end) return { kind: "none" };
  if (row.cancel_at_period_end)
    return { kind: "expire", id: change.id, reason: "the subscription ends at this period end" };
  if (row.price_id !== change.from || pendingChangeOf(row)) {
    return { kind: "expire", id: change.id, reason: "superseded by the customer's own plan change" };
  }
  if (change.consent === "not_required" || change.consent === "given") {
    return { kind: "apply", id: change.id, price: change.price };
  }
  const why = change.consent === "declined" ? "the customer declined" : "no consent by the renewal";
  return change.on_no_consent === "cancel"
    ? { kind: "cancel", id: change.id, reason: `${why}: cancelled at the period end` }
    : { kind: "expire", id: change.id, reason: `${why}: kept on the old price` };
}

/** The subscription ends at this period end (a fixed term, a scheduled cancel): a due change cannot apply. */
export function endingWith(p: PriceChangeAtPeriodEnd): PriceChangeAtPeriodEnd {
  return p.kind === "apply" ? { kind: "expire", id: p.id, reason: "the subscription ends at this period end" } : p;
}

/** The period end's write, plus clearing the due change, its event and the decision in the audit trail. */
export function withPriceChange(p: PriceChangeAtPeriodEnd, change: Change): Change {
  if (p.kind === "none") return change;
  const decision: AuditEntry = {
    kind: "decision",
    action: `price_change.${p.kind === "apply" ? "apply" : "expire"}`,
    reason: p.kind === "apply" ? "the price change is due at this renewal" : p.reason,
    data: { price_change: p.id, ...(p.kind === "apply" && { price: p.price }) },
  };
  return {
    ...change,
    patch: { ...change.patch, pending_price_change: null },
    events: [
      ...(change.events ?? []),
      p.kind === "apply" ? "subscription.price_change_applied" : "subscription.price_change_expired",
    ],
    audit: [decision, ...(change.audit ?? [])],
  };
}

/** `withPriceChange` for a charge's apply; an unavailable provider changes nothing (the job retries). */
export function applyWithPriceChange(p: PriceChangeAtPeriodEnd, apply: Apply): Apply {
  if (p.kind === "none") return apply;
  return async (payment, outcome, row) => {
    const change = await apply(payment, outcome, row);
    return outcome.status === "unavailable" ? change : withPriceChange(p, change);
  };
}
