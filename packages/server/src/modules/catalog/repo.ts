import type { CatalogStatus } from "@tessera/core";
import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { BundleEntitlementsTable, BundleRow, Db, EntitlementRow, PriceRow } from "../../db/types.js";
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
    .where(inScope(scope))
    .where((eb) => eb.or([eb("id", "=", ref), eb("key", "=", ref)]))
    .executeTakeFirst();
}

export async function findEntitlementsByKeys(db: Db, scope: Scope, keys: string[]): Promise<EntitlementRow[]> {
  if (keys.length === 0) return [];
  return db.selectFrom("entitlements").selectAll().where(inScope(scope)).where("key", "in", keys).execute();
}

export function pageEntitlements(db: Db, scope: Scope, page: PageQuery, status?: CatalogStatus) {
  let q = db.selectFrom("entitlements").selectAll().where(inScope(scope));
  if (status) q = q.where("status", "=", status);
  return paginate(q, "id", page);
}

export async function updateEntitlementRow(
  db: Db,
  scope: Scope,
  id: string,
  patch: Partial<Omit<EntitlementRow, "id" | "tenant_id" | "environment_id" | "key" | "kind" | "created_at">>,
): Promise<void> {
  await db.updateTable("entitlements").set(patch).where(inScope(scope)).where("id", "=", id).execute();
}

export async function deleteEntitlementRow(db: Db, scope: Scope, id: string): Promise<void> {
  await db.deleteFrom("entitlements").where(inScope(scope)).where("id", "=", id).execute();
}

/** An entitlement is in use while any bundle grants it. */
export async function isEntitlementInUse(db: Db, scope: Scope, id: string): Promise<boolean> {
  const row = await db
    .selectFrom("bundle_entitlements")
    .select("bundle_id")
    .where(inScope(scope))
    .where("entitlement_id", "=", id)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/* Bundles and their prices. */

export type BundleEntitlementRow = BundleEntitlementsTable;

/** A bundle's grant joined with what it grants: the entitlement's key, kind, levels and period. */
export type BundleGrantRow = BundleEntitlementRow &
  Pick<EntitlementRow, "key" | "kind" | "levels" | "period"> & { entitlement_status: EntitlementRow["status"] };

export async function insertBundle(db: Db, row: BundleRow): Promise<void> {
  await db.insertInto("bundles").values(row).execute();
}

/** By id or key. */
export async function findBundle(db: Db, scope: Scope, ref: string): Promise<BundleRow | undefined> {
  return db
    .selectFrom("bundles")
    .selectAll()
    .where(inScope(scope))
    .where((eb) => eb.or([eb("id", "=", ref), eb("key", "=", ref)]))
    .executeTakeFirst();
}

/** Every bundle whose id or key is among `refs`. */
export async function findBundlesByRefs(db: Db, scope: Scope, refs: string[]): Promise<BundleRow[]> {
  if (refs.length === 0) return [];
  return db
    .selectFrom("bundles")
    .selectAll()
    .where(inScope(scope))
    .where((eb) => eb.or([eb("id", "in", refs), eb("key", "in", refs)]))
    .execute();
}

export function pageBundles(db: Db, scope: Scope, page: PageQuery, status?: CatalogStatus) {
  let q = db.selectFrom("bundles").selectAll().where(inScope(scope));
  if (status) q = q.where("status", "=", status);
  return paginate(q, "id", page);
}

export async function updateBundleRow(
  db: Db,
  scope: Scope,
  id: string,
  patch: Partial<Pick<BundleRow, "name" | "description" | "metadata" | "status" | "updated_at">>,
): Promise<void> {
  await db.updateTable("bundles").set(patch).where(inScope(scope)).where("id", "=", id).execute();
}

/** Its grants and prices go with it (on delete cascade). */
export async function deleteBundleRow(db: Db, scope: Scope, id: string): Promise<void> {
  await db.deleteFrom("bundles").where(inScope(scope)).where("id", "=", id).execute();
}

/** Replaces a bundle's grants with `rows` (in their order). */
export async function replaceBundleEntitlements(
  db: Db,
  scope: Scope,
  bundleId: string,
  rows: BundleEntitlementRow[],
): Promise<void> {
  await db.deleteFrom("bundle_entitlements").where(inScope(scope)).where("bundle_id", "=", bundleId).execute();
  if (rows.length) await db.insertInto("bundle_entitlements").values(rows).execute();
}

export async function listBundleGrants(db: Db, scope: Scope, bundleIds: string[]): Promise<BundleGrantRow[]> {
  if (bundleIds.length === 0) return [];
  return db
    .selectFrom("bundle_entitlements as be")
    .innerJoin("entitlements as e", "e.id", "be.entitlement_id")
    .selectAll("be")
    .select(["e.key", "e.kind", "e.levels", "e.period", "e.status as entitlement_status"])
    .where(inScope(scope, "be"))
    .where(inScope(scope, "e"))
    .where("be.bundle_id", "in", bundleIds)
    .orderBy("be.bundle_id")
    .orderBy("be.position")
    .execute();
}

export async function insertPrices(db: Db, rows: PriceRow[]): Promise<void> {
  if (rows.length) await db.insertInto("prices").values(rows).execute();
}

export async function findPrice(db: Db, scope: Scope, id: string): Promise<PriceRow | undefined> {
  return db.selectFrom("prices").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

/** Oldest first: the order they were added in. */
export async function listPrices(db: Db, scope: Scope, bundleIds: string[]): Promise<PriceRow[]> {
  if (bundleIds.length === 0) return [];
  return db
    .selectFrom("prices")
    .selectAll()
    .where(inScope(scope))
    .where("bundle_id", "in", bundleIds)
    .orderBy("id")
    .execute();
}

export async function updatePriceRow(
  db: Db,
  scope: Scope,
  id: string,
  patch: Partial<Pick<PriceRow, "status" | "nickname">>,
): Promise<void> {
  await db.updateTable("prices").set(patch).where(inScope(scope)).where("id", "=", id).execute();
}
