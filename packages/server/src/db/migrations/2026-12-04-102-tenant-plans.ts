import type { Kysely } from "kysely";

/** A tenant's plan (null: the default), which picks its rate limits (http/rate-limit.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tenants").addColumn("plan", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tenants").dropColumn("plan").execute();
}
