import type { SubscriptionRow } from "../../db/types.js";
import { type Bounds, type PriceTerms, periodBounds, sameCycle } from "./periods.js";

export interface PendingChange {
  price: string;
  bundle: string;
}

export type PeriodEndDecision =
  | { kind: "cancel" }
  | { kind: "expire" }
  | {
      kind: "charge";
      price: PriceTerms;
      periodIndex: number;
      bounds: Bounds;
      anchorAt: string;
      anchorPeriod: number;
      planChanged: boolean;
      /** The end of a trial: the first paid period. */
      conversion: boolean;
    };

/**
 * What happens when a trial or paid period ends. One job per period end decides all of it, so a
 * scheduled cancel, a fixed term and the renewal charge can never race each other:
 *   1. a cancel scheduled for the period end cancels (nothing is charged);
 *   2. a fixed-term price whose last period ended expires;
 *   3. otherwise the next period is charged, on the pending plan change's price if there is one.
 */
export function decidePeriodEnd(
  row: SubscriptionRow,
  current: PriceTerms,
  pending: PriceTerms | undefined,
): PeriodEndDecision {
  if (row.cancel_at_period_end) return { kind: "cancel" };
  if (row.status === "active" && current.term_count !== null && row.period_index >= current.term_count) {
    return { kind: "expire" };
  }
  const price = pending ?? current;
  const periodIndex = row.period_index + 1;
  const conversion = row.status === "trial";
  // A new cycle (another interval) starts at this period end; the same cycle keeps its anchor.
  const keep = !conversion && sameCycle(price, current);
  const anchorAt = keep ? row.anchor_at : row.current_period_end;
  const anchorPeriod = keep ? row.anchor_period : periodIndex;
  return {
    kind: "charge",
    price,
    periodIndex,
    bounds: periodBounds(anchorAt, anchorPeriod, price, periodIndex),
    anchorAt,
    anchorPeriod,
    planChanged: pending !== undefined && pending.id !== current.id,
    conversion,
  };
}
