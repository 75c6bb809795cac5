import type { Kysely } from "kysely";

// Frozen in time (see 001). When an invoice was cancelled with its fiscal provider (e-Arşiv
// iptal); fiscal_status then reads `cancelled`. Null while the invoice stands.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("invoices").addColumn("cancelled_at", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("invoices").dropColumn("cancelled_at").execute();
}
