import type { Kysely } from "kysely";

// Frozen in time (see 001). Safe mode (modules/safe-mode): operator switches holding new charges
// of one provider (or of the whole environment, provider null) while active (exited_at null).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("safe_modes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("provider", "text")
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("entered_at", "text", (c) => c.notNull())
    .addColumn("entered_by", "text")
    .addColumn("exited_at", "text")
    .addColumn("exited_by", "text")
    .addColumn("released_jobs", "integer")
    .execute();
  await db.schema.createIndex("safe_modes_env").on("safe_modes").columns(["environment_id", "exited_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("safe_modes").execute();
}
