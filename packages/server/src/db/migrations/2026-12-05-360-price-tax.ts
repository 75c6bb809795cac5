import type { Kysely } from "kysely";

// Frozen in time (see 001). What a price sells for VAT (`tax_code`: the tax engine's e-book rates)
// and whether its amount includes tax (`tax_behavior`; null = the storefront legal entity's
// prices_include_tax, which is what every existing price meant).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("prices")
    .addColumn("tax_code", "text", (c) => c.notNull().defaultTo("electronic_service"))
    .execute();
  await db.schema.alterTable("prices").addColumn("tax_behavior", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("prices").dropColumn("tax_behavior").execute();
  await db.schema.alterTable("prices").dropColumn("tax_code").execute();
}
