import type { Kysely } from "kysely";

/** Chargebacks the PSPs report through their webhooks (issue #9): the dispute's state on its payment. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").addColumn("dispute_status", "text").execute();
  await db.schema.alterTable("payments").addColumn("disputed_amount", "bigint").execute();
  await db.schema.alterTable("payments").addColumn("dispute_reason", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").dropColumn("dispute_reason").execute();
  await db.schema.alterTable("payments").dropColumn("disputed_amount").execute();
  await db.schema.alterTable("payments").dropColumn("dispute_status").execute();
}
