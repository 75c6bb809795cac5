import { inScope, type ScopeIds } from "../../db/scope.js";
import type { Db } from "../../db/types.js";
import type { PrivacyHandler } from "../privacy/index.js";
import { customerRowIds, exportRows } from "../privacy/index.js";

/**
 * Subscriptions and their history are records of a contract (and of money): kept on erasure,
 * naming the customer only by id; the merchant's free-form metadata is cleared, as it may hold
 * anything.
 */
export const subscriptionsPrivacyHandler: PrivacyHandler = {
  module: "subscriptions",
  tables: ["subscriptions"],

  objectIds: (d, scope, customerId) => customerRowIds(d, scope, "subscriptions", customerId),

  async export(d, scope, subject) {
    const rows = await d
      .selectFrom("subscriptions")
      .selectAll()
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .orderBy("id")
      .execute();
    return {
      subscriptions: exportRows(rows, ["status_history", "pending_plan_change", "pending_price_change", "metadata"]),
    };
  },

  async erase(tx, scope, subject) {
    const result = await tx
      .updateTable("subscriptions")
      .set({ metadata: "{}" })
      .where(inScope(scope))
      .where("customer_id", "=", subject.customerId)
      .executeTakeFirst();
    return { subscriptions: Number(result.numUpdatedRows) };
  },
};

/**
 * Customers whose every subscription has ended, the last before `before` (retention's
 * anonymization rule). A customer with a live subscription, or none at all, is not one.
 */
export async function customersWhoseSubscriptionsEndedBefore(
  d: Db,
  scope: ScopeIds,
  before: string,
): Promise<string[]> {
  const rows = await d
    .selectFrom("subscriptions")
    .select("customer_id")
    .where(inScope(scope))
    .groupBy("customer_id")
    .having(
      (eb) => eb.fn.count<number>("id"),
      "=",
      (eb) => eb.fn.count<number>("ended_at"),
    )
    .having((eb) => eb.fn.max("ended_at"), "<", before)
    .execute();
  return rows.map((r) => r.customer_id);
}
