import type { Kysely } from "kysely";

// GET /v1/customers/{id}/usage pages one customer's records newest first (by id): without this
// index each page would read every usage record of the environment, and metered use is the
// biggest table there is.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("usage_records_by_customer")
    .on("usage_records")
    .columns(["tenant_id", "environment_id", "customer_id", "id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("usage_records_by_customer").execute();
}
