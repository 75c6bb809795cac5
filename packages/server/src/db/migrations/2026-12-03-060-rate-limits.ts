import type { Kysely } from "kysely";

/**
 * Rate-limit counters shared by every replica (rate-limiter-flexible's Postgres store layout:
 * key, points, expire in epoch milliseconds). SQLite keeps its counters in memory (one node), so
 * the table exists there too but stays empty.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("rate_limits")
    .addColumn("key", "varchar(255)", (c) => c.primaryKey())
    .addColumn("points", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("expire", "bigint")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("rate_limits").execute();
}
