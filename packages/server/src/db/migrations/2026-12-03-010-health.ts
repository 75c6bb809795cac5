import type { Kysely } from "kysely";

// Frozen in time (see 001). One row per readiness probe target, rewritten by every /readyz: a
// read proves the database answers, only a write proves it can commit (a full disk, a read-only
// file, a standby after a failover all answer reads).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("health")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("checked_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("health").execute();
}
