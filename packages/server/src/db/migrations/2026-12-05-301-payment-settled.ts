import type { Kysely } from "kysely";

/** When the PSP reported a captured payment settled (issue #9): set once, from its webhook. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").addColumn("settled_at", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").dropColumn("settled_at").execute();
}
