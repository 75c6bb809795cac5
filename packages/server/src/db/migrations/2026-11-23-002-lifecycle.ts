import type { Kysely } from "kysely";

// Frozen in time (see 001). Lifecycle events, the durable job queue, and per-environment test clocks.

export async function up(db: Kysely<any>): Promise<void> {
  // A test clock freezes an environment's time at this instant until it is advanced; null = wall time.
  await db.schema.alterTable("environments").addColumn("test_clock_at", "text").execute();

  await db.schema
    .createTable("events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("object_type", "text", (c) => c.notNull())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("correlation_id", "text")
    .addColumn("request_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("events_env_id").on("events").columns(["environment_id", "id"]).execute();
  await db.schema.createIndex("events_env_object").on("events").columns(["environment_id", "object_id"]).execute();
  await db.schema.createIndex("events_env_type").on("events").columns(["environment_id", "type"]).execute();

  await db.schema
    .createTable("jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text")
    .addColumn("environment_id", "text", (c) => c.references("environments.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    // 'environment': due by the environment's (possibly test) clock; 'wall': by real time (webhooks).
    .addColumn("clock", "text", (c) => c.notNull())
    .addColumn("run_at", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("locked_by", "text")
    .addColumn("locked_until", "text")
    .addColumn("last_error", "text")
    .addColumn("dedupe_key", "text", (c) => c.unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("jobs_due").on("jobs").columns(["status", "run_at"]).execute();
  await db.schema.createIndex("jobs_env_due").on("jobs").columns(["environment_id", "status", "run_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("jobs").ifExists().execute();
  await db.schema.dropTable("events").ifExists().execute();
  await db.schema.alterTable("environments").dropColumn("test_clock_at").execute();
}
