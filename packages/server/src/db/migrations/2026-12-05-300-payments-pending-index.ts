import { type Kysely, sql } from "kysely";

// The payments janitor (modules/billing/janitor.ts) looks for payments pending since long ago,
// across tenants, every few minutes: a partial index keeps that read off the whole table.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("payments_pending_since")
    .on("payments")
    .column("updated_at")
    .where(sql.ref("status"), "=", "pending")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("payments_pending_since").execute();
}
