import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { ChannelProductRow, ChannelSettingsRow, Db } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";

/* Channel settings and the product map, read and written per storefront; every query is scoped. */

type ScopeIds = Pick<Scope, "tenantId" | "environmentId">;

export function findSettings(
  db: Db,
  scope: ScopeIds,
  storefrontId: string,
  channel: string,
): Promise<ChannelSettingsRow | undefined> {
  return db
    .selectFrom("channel_settings")
    .selectAll()
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .where("channel", "=", channel)
    .executeTakeFirst();
}

export async function upsertSettings(db: Db, row: ChannelSettingsRow): Promise<void> {
  await db
    .insertInto("channel_settings")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["tenant_id", "environment_id", "storefront_id", "channel"]).doUpdateSet({
        config: row.config,
        credentials_encrypted: row.credentials_encrypted,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export function pageProducts(db: Db, scope: ScopeIds, storefrontId: string, channel: string, page: PageQuery) {
  const q = db
    .selectFrom("channel_products")
    .selectAll()
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .where("channel", "=", channel);
  return paginate(q, "id", page);
}

export async function deleteProduct(
  db: Db,
  scope: ScopeIds,
  storefrontId: string,
  channel: string,
  vendorProductId: string,
): Promise<ChannelProductRow | undefined> {
  return db
    .deleteFrom("channel_products")
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .where("channel", "=", channel)
    .where("vendor_product_id", "=", vendorProductId)
    .returningAll()
    .executeTakeFirst();
}

export { findProduct as findProductRow } from "./repo.js";
