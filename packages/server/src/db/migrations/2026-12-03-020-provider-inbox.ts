import type { Kysely } from "kysely";

// Frozen in time (see 001). What payment providers push to us (DESIGN §7): one row per provider
// event, verified before it is written, kept with the raw body for replay, deduplicated on the
// provider's event id, and applied by a job (modules/payments/inbox.ts), never in the request.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("provider_inbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("storefront_id", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("provider_event_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("reference", "text", (c) => c.notNull())
    .addColumn("amount", "bigint")
    .addColumn("currency", "text")
    .addColumn("occurred_at", "text", (c) => c.notNull())
    // The event as the adapter read it (JSON), and the request as it arrived, for replay.
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("raw_headers", "text", (c) => c.notNull())
    .addColumn("raw_body", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("result", "text")
    .addColumn("payment_id", "text")
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("applied_at", "text")
    // Per environment: a tenant who can sign its own sandbox events must not block another's ids.
    .addUniqueConstraint("provider_inbox_event", ["environment_id", "provider", "provider_event_id"])
    .execute();
  // Events name the provider's charge reference; the job finds the payment by it.
  await db.schema
    .createIndex("payments_provider_reference")
    .on("payments")
    .columns(["environment_id", "provider", "provider_reference"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("payments_provider_reference").execute();
  await db.schema.dropTable("provider_inbox").ifExists().execute();
}
