import type { Kysely } from "kysely";

/**
 * One-time links that create the first platform admin from the console (printed by the first
 * `serve` of an installation without one). Only the token's SHA-256 is kept. Not a tenant's table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("console_setup_tokens")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
    .addColumn("used_at", "varchar(32)")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("console_setup_tokens").execute();
}
