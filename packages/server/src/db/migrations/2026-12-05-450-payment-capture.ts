import type { Kysely } from "kysely";

// Authorize now, capture later (docs/payments.md "Authorize and capture"). `amount_captured` is
// null for payments captured in one step (their captured amount is the amount once succeeded).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").addColumn("amount_captured", "bigint").execute();
  // When an uncaptured authorization lapses: the expiry job voids it then.
  await db.schema.alterTable("payments").addColumn("authorization_expires_at", "text").execute();
  await db.schema.alterTable("payments").addColumn("description", "text").execute();
  await db.schema.alterTable("payments").addColumn("metadata", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ["metadata", "description", "authorization_expires_at", "amount_captured"])
    await db.schema.alterTable("payments").dropColumn(column).execute();
}
