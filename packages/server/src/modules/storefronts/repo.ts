import type { CatalogStatus } from "@tessera/core";
import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { Db, StorefrontRow } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";

/* Every query filters on tenant and environment: an object of another scope simply does not exist. */

export async function insertStorefront(db: Db, row: StorefrontRow): Promise<void> {
  await db.insertInto("storefronts").values(row).execute();
}

/** By id or key. */
export async function findStorefront(db: Db, scope: Scope, ref: string): Promise<StorefrontRow | undefined> {
  return db
    .selectFrom("storefronts")
    .selectAll()
    .where(inScope(scope))
    .where((eb) => eb.or([eb("id", "=", ref), eb("key", "=", ref)]))
    .executeTakeFirst();
}

export function pageStorefronts(db: Db, scope: Scope, page: PageQuery, status?: CatalogStatus) {
  let q = db.selectFrom("storefronts").selectAll().where(inScope(scope));
  if (status) q = q.where("status", "=", status);
  return paginate(q, "id", page);
}

export async function updateStorefrontRow(
  db: Db,
  scope: Scope,
  id: string,
  patch: Partial<Omit<StorefrontRow, "id" | "tenant_id" | "environment_id" | "key" | "created_at">>,
): Promise<void> {
  await db.updateTable("storefronts").set(patch).where(inScope(scope)).where("id", "=", id).execute();
}

/** The bundles it sells go with it (on delete cascade). */
export async function deleteStorefrontRow(db: Db, scope: Scope, id: string): Promise<void> {
  await db.deleteFrom("storefronts").where(inScope(scope)).where("id", "=", id).execute();
}

/** Replaces what a storefront sells with `bundleIds`, in that order. */
export async function replaceStorefrontBundles(
  db: Db,
  scope: Scope,
  storefrontId: string,
  bundleIds: string[],
): Promise<void> {
  await db.deleteFrom("storefront_bundles").where(inScope(scope)).where("storefront_id", "=", storefrontId).execute();
  if (bundleIds.length === 0) return;
  await db
    .insertInto("storefront_bundles")
    .values(
      bundleIds.map((bundleId, position) => ({
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: storefrontId,
        bundle_id: bundleId,
        position,
      })),
    )
    .execute();
}

export async function listStorefrontBundles(
  db: Db,
  scope: Scope,
  storefrontIds: string[],
): Promise<{ storefront_id: string; bundle_id: string }[]> {
  if (storefrontIds.length === 0) return [];
  return db
    .selectFrom("storefront_bundles")
    .select(["storefront_id", "bundle_id"])
    .where(inScope(scope))
    .where("storefront_id", "in", storefrontIds)
    .orderBy("storefront_id")
    .orderBy("position")
    .execute();
}

/** Whether any storefront (active or archived) sells the bundle. */
export async function isBundleSold(db: Db, scope: Scope, bundleId: string): Promise<boolean> {
  const row = await db
    .selectFrom("storefront_bundles")
    .select("storefront_id")
    .where(inScope(scope))
    .where("bundle_id", "=", bundleId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Whose storefront an id is, across tenants: only for requests that carry no credential of ours
 * (a payment provider's webhook), which the storefront's own secret then authenticates.
 */
export async function findStorefrontOwner(db: Db, id: string) {
  return db
    .selectFrom("storefronts")
    .select(["id", "tenant_id", "environment_id"])
    .where("id", "=", id)
    .executeTakeFirst();
}
