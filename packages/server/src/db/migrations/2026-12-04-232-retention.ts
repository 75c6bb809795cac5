import type { Kysely } from "kysely";

// Frozen in time (see 001). Retention (modules/privacy/retention.ts): one policy per environment
// (null: keep forever) and the report of every daily run.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("retention_policies")
    .addColumn("environment_id", "text", (c) => c.primaryKey().references("environments.id").onDelete("cascade"))
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("webhook_delivery_log_days", "integer")
    .addColumn("channel_raw_days", "integer")
    .addColumn("usage_record_days", "integer")
    .addColumn("event_days", "integer")
    .addColumn("anonymize_after_months", "integer")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("retention_runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("policy", "text", (c) => c.notNull())
    .addColumn("report", "text", (c) => c.notNull())
    .addColumn("ran_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("retention_runs_env").on("retention_runs").columns(["environment_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("retention_runs").execute();
  await db.schema.dropTable("retention_policies").execute();
}
