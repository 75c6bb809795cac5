import type { Scope } from "../../context.js";
import type { Db, EntitlementRow } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";

/* Every query filters on tenant and environment: an object of another scope simply does not exist. */

export async function insertEntitlement(db: Db, row: EntitlementRow): Promise<void> {
  await db.insertInto("entitlements").values(row).execute();
}

/** By id or key. */
export async function findEntitlement(db: Db, scope: Scope, ref: string): Promise<EntitlementRow | undefined> {
  return db
    .selectFrom("entitlements")
    .selectAll()
    .where("tenant_id", "=", scope.tenantId)
    .where("environment_id", "=", scope.environmentId)
    .where((eb) => eb.or([eb("id", "=", ref), eb("key", "=", ref)]))
    .executeTakeFirst();
}

export async function findEntitlementsByKeys(db: Db, scope: Scope, keys: string[]): Promise<EntitlementRow[]> {
  if (keys.length === 0) return [];
  return db
    .selectFrom("entitlements")
    .selectAll()
    .where("tenant_id", "=", scope.tenantId)
    .where("environment_id", "=", scope.environmentId)
    .where("key", "in", keys)
    .execute();
}

export function pageEntitlements(db: Db, scope: Scope, page: PageQuery, status?: string) {
  let q = db
    .selectFrom("entitlements")
    .selectAll()
    .where("tenant_id", "=", scope.tenantId)
    .where("environment_id", "=", scope.environmentId);
  if (status) q = q.where("status", "=", status);
  return paginate(q, "id", page);
}

export async function updateEntitlementRow(
  db: Db,
  scope: Scope,
  id: string,
  patch: Partial<Omit<EntitlementRow, "id" | "tenant_id" | "environment_id" | "key" | "kind" | "created_at">>,
): Promise<void> {
  await db
    .updateTable("entitlements")
    .set(patch)
    .where("tenant_id", "=", scope.tenantId)
    .where("environment_id", "=", scope.environmentId)
    .where("id", "=", id)
    .execute();
}

export async function deleteEntitlementRow(db: Db, scope: Scope, id: string): Promise<void> {
  await db
    .deleteFrom("entitlements")
    .where("tenant_id", "=", scope.tenantId)
    .where("environment_id", "=", scope.environmentId)
    .where("id", "=", id)
    .execute();
}

/** An entitlement is in use while any bundle grants it. */
export async function isEntitlementInUse(db: Db, scope: Scope, id: string): Promise<boolean> {
  const row = await db
    .selectFrom("bundle_entitlements")
    .select("bundle_id")
    .where("tenant_id", "=", scope.tenantId)
    .where("environment_id", "=", scope.environmentId)
    .where("entitlement_id", "=", id)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
