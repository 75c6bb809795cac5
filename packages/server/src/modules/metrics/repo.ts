import type { ScopeIds } from "../../db/scope.js";
import { inScope } from "../../db/scope.js";
import type { Db } from "../../db/types.js";

/*
 * Metrics is a read model over billing's own rows (subscriptions with their status history and
 * price, payments): read-only, scoped, and nothing else touches them from here. See
 * docs/architecture.md, "Metrics".
 */

export async function listSubscriptionsWithPrices(db: Db, scope: ScopeIds) {
  return db
    .selectFrom("subscriptions as s")
    .innerJoin("prices as p", "p.id", "s.price_id")
    .where(inScope(scope, "s"))
    .where(inScope(scope, "p"))
    .select([
      "s.id",
      "s.customer_id",
      "s.status",
      "s.status_history",
      "p.currency",
      "p.amount",
      "p.interval",
      "p.interval_count",
    ])
    .execute();
}

/** Payments made at or after `since`, for the windowed metrics (revenue, recovery). */
export async function listPaymentsSince(db: Db, scope: ScopeIds, since: string) {
  return db
    .selectFrom("payments")
    .where(inScope(scope))
    .where("created_at", ">=", since)
    .select([
      "subscription_id",
      "period_index",
      "attempt",
      "status",
      "amount",
      "refunded_amount",
      "currency",
      "created_at",
    ])
    .execute();
}
