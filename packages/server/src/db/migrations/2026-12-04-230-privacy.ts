import type { Kysely } from "kysely";

// Frozen in time (see 001). Privacy requests (modules/privacy): exports, whose archive is kept
// sealed with the master key until it is downloaded once or expires, and erasures, with the report
// of what each module erased.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("privacy_requests")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("options", "text", (c) => c.notNull())
    .addColumn("archive_encrypted", "text")
    .addColumn("report", "text")
    .addColumn("actor", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("completed_at", "text")
    .addColumn("expires_at", "text")
    .addColumn("downloaded_at", "text")
    .execute();
  await db.schema
    .createIndex("privacy_requests_customer")
    .on("privacy_requests")
    .columns(["environment_id", "customer_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("privacy_requests").execute();
}
