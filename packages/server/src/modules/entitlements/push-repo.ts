import type { Scope } from "../../context.js";
import type { DialectName } from "../../db/connect.js";
import { inScope } from "../../db/scope.js";
import type { Db } from "../../db/types.js";

type Ids = Pick<Scope, "tenantId" | "environmentId">;

/**
 * The last pushed set of a customer, its row locked on Postgres until the transaction ends, so
 * two pushes for one customer compare and write one after the other. Made empty on first use.
 */
export async function lockPushedState(
  tx: Db,
  dialect: DialectName,
  scope: Ids,
  customerId: string,
  now: string,
): Promise<string> {
  await tx
    .insertInto("customer_entitlement_states")
    .values({
      customer_id: customerId,
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      entitlements: "{}",
      event_id: null,
      updated_at: now,
    })
    .onConflict((oc) => oc.column("customer_id").doNothing())
    .execute();
  const q = tx
    .selectFrom("customer_entitlement_states")
    .select("entitlements")
    .where("customer_id", "=", customerId)
    .where("environment_id", "=", scope.environmentId);
  const row = await (dialect === "postgres" ? q.forUpdate() : q).executeTakeFirstOrThrow();
  return row.entitlements;
}

export async function savePushedState(tx: Db, customerId: string, entitlements: string, eventId: string, now: string) {
  await tx
    .updateTable("customer_entitlement_states")
    .set({ entitlements, event_id: eventId, updated_at: now })
    .where("customer_id", "=", customerId)
    .execute();
}

/**
 * Customers whose subscriptions to a bundle may grant (its entitlements were edited). Reads the
 * subscriptions table directly: the subscriptions service has no such listing yet.
 */
export async function listCustomersOfBundle(db: Db, scope: Scope, bundleId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("subscriptions")
    .select("customer_id")
    .distinct()
    .where(inScope(scope))
    .where("bundle_id", "=", bundleId)
    .where("status", "in", ["trial", "active", "grace"])
    .execute();
  return rows.map((r) => r.customer_id);
}
