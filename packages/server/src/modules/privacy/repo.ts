import type { ScopeIds } from "../../db/scope.js";
import { inScope } from "../../db/scope.js";
import type { Db, PrivacyRequestRow } from "../../db/types.js";

export async function insertRequest(db: Db, row: PrivacyRequestRow): Promise<void> {
  await db.insertInto("privacy_requests").values(row).execute();
}

export function findRequest(db: Db, scope: ScopeIds, id: string): Promise<PrivacyRequestRow | undefined> {
  return db.selectFrom("privacy_requests").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

export function listCustomerRequests(db: Db, scope: ScopeIds, customerId: string): Promise<PrivacyRequestRow[]> {
  return db
    .selectFrom("privacy_requests")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .orderBy("id", "desc")
    .limit(100)
    .execute();
}

/** Compare-and-set on the status: the archive leaves the database with the one caller that wins. */
export async function updateRequestIf(
  db: Db,
  scope: ScopeIds,
  id: string,
  status: PrivacyRequestRow["status"],
  patch: Partial<Omit<PrivacyRequestRow, "id" | "tenant_id" | "environment_id">>,
): Promise<boolean> {
  const result = await db
    .updateTable("privacy_requests")
    .set(patch)
    .where(inScope(scope))
    .where("id", "=", id)
    .where("status", "=", status)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ready exports whose archive has outlived its time: the archive is deleted, the request expired. */
export async function expireArchives(db: Db, scope: ScopeIds, now: string): Promise<number> {
  const result = await db
    .updateTable("privacy_requests")
    .set({ status: "expired", archive_encrypted: null })
    .where(inScope(scope))
    .where("status", "=", "ready")
    .where("expires_at", "<=", now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Customers an erasure has completed for: retention does not erase them twice. */
export async function listErasedCustomers(db: Db, scope: ScopeIds): Promise<string[]> {
  const rows = await db
    .selectFrom("privacy_requests")
    .select("customer_id")
    .where(inScope(scope))
    .where("kind", "=", "erase")
    .where("status", "=", "completed")
    .execute();
  return rows.map((r) => r.customer_id);
}
