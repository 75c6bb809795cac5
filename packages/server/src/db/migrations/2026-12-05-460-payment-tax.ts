import type { Kysely } from "kysely";

// Billing charges tax-exclusive prices net + tax: the payment keeps the tax it added and the
// decision behind it, so its invoice uses the same numbers (docs/invoicing.md).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").addColumn("tax_amount", "bigint").execute();
  await db.schema.alterTable("payments").addColumn("tax_decision", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").dropColumn("tax_decision").execute();
  await db.schema.alterTable("payments").dropColumn("tax_amount").execute();
}
