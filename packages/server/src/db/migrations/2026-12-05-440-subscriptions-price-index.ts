import type { Kysely } from "kysely";

// A price migration (modules/price-changes) walks a price's subscribers in id order, batch by
// batch: without this index every batch would read the tenant's whole subscriptions table.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("subscriptions_on_price")
    .on("subscriptions")
    .columns(["tenant_id", "environment_id", "price_id", "id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("subscriptions_on_price").execute();
}
