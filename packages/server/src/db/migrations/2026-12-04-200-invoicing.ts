import type { Kysely } from "kysely";

/**
 * Fiscal invoicing (issue 12): the seller's legal entity per storefront, the customer's billing
 * details, gapless number counters per storefront + series (+ year where numbering resets), and
 * the issued documents (invoices and credit notes, immutable once issued but for their fiscal
 * status). `source_key` makes a charge's invoice and a refund's credit note unique, so duplicate
 * events and retried jobs cannot issue twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("invoicing_legal_entities")
    .addColumn("storefront_id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("legal_name", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("vat_id", "text")
    .addColumn("tax_number", "text")
    .addColumn("tax_office", "text")
    .addColumn("email", "text")
    .addColumn("invoice_series", "text", (c) => c.notNull())
    .addColumn("credit_note_series", "text", (c) => c.notNull())
    .addColumn("numbering_reset", "text", (c) => c.notNull())
    .addColumn("prices_include_tax", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("invoicing_billing_details")
    .addColumn("customer_id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("vat_id", "text")
    .addColumn("tax_number", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  // One row per counter; the update that takes a number locks it until the document commits.
  await db.schema
    .createTable("invoice_sequences")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("storefront_id", "text", (c) => c.notNull())
    .addColumn("series", "text", (c) => c.notNull())
    .addColumn("year", "integer", (c) => c.notNull())
    .addColumn("last_number", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("invoice_sequences_pk", ["environment_id", "storefront_id", "series", "year"])
    .execute();

  await db.schema
    .createTable("invoices")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("source_key", "text", (c) => c.notNull())
    .addColumn("storefront_id", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("subscription_id", "text")
    .addColumn("payment_id", "text", (c) => c.notNull())
    .addColumn("invoice_id", "text")
    .addColumn("series", "text", (c) => c.notNull())
    .addColumn("year", "integer", (c) => c.notNull())
    .addColumn("sequence", "bigint", (c) => c.notNull())
    .addColumn("number", "text", (c) => c.notNull())
    .addColumn("uuid", "text", (c) => c.notNull())
    .addColumn("issue_date", "text", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("net_total", "bigint", (c) => c.notNull())
    .addColumn("tax_total", "bigint", (c) => c.notNull())
    .addColumn("rounding_amount", "bigint", (c) => c.notNull())
    .addColumn("total", "bigint", (c) => c.notNull())
    .addColumn("amount_paid", "bigint", (c) => c.notNull())
    .addColumn("credited_amount", "bigint", (c) => c.notNull())
    .addColumn("credit_from", "bigint")
    .addColumn("credit_to", "bigint")
    .addColumn("document", "text", (c) => c.notNull())
    .addColumn("fiscal_provider", "text")
    .addColumn("fiscal_status", "text", (c) => c.notNull())
    .addColumn("fiscal_reference", "text")
    .addColumn("fiscal_reason", "text")
    .addColumn("fiscal_attempts", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("invoices_source")
    .unique()
    .on("invoices")
    .columns(["environment_id", "source_key"])
    .execute();
  await db.schema
    .createIndex("invoices_number")
    .unique()
    .on("invoices")
    .columns(["environment_id", "storefront_id", "series", "year", "sequence"])
    .execute();
  await db.schema
    .createIndex("invoices_customer")
    .on("invoices")
    .columns(["tenant_id", "environment_id", "customer_id"])
    .execute();
  await db.schema.createIndex("invoices_payment").on("invoices").columns(["environment_id", "payment_id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["invoices", "invoice_sequences", "invoicing_billing_details", "invoicing_legal_entities"])
    await db.schema.dropTable(table).execute();
}
