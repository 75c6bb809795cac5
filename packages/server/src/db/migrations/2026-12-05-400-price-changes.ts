import type { Kysely } from "kysely";

// Frozen in time (see 001). Price changes for existing subscribers (modules/price-changes): a
// migration per price change, one ledger row per subscription it reached (unique per migration, so a
// resumed or concurrent run never moves a subscription twice), and the pending change on the
// subscription itself, which the renewal reads.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("price_migrations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("bundle_id", "text", (c) => c.notNull())
    .addColumn("from_price_id", "text", (c) => c.notNull())
    .addColumn("to_price_id", "text", (c) => c.notNull())
    .addColumn("strategy", "text", (c) => c.notNull())
    .addColumn("notice_days", "integer")
    .addColumn("on_no_consent", "text")
    .addColumn("text_version", "text")
    .addColumn("storefront_id", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("cursor", "text")
    .addColumn("actor", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("completed_at", "text")
    .execute();
  await db.schema
    .createIndex("price_migrations_from")
    .on("price_migrations")
    .columns(["environment_id", "from_price_id"])
    .execute();

  await db.schema
    .createTable("subscription_price_changes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("migration_id", "text", (c) => c.notNull().references("price_migrations.id"))
    .addColumn("subscription_id", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("from_price_id", "text", (c) => c.notNull())
    .addColumn("to_price_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("effective_at", "text")
    .addColumn("consent_record_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("subscription_price_changes_once", ["migration_id", "subscription_id"])
    .execute();
  await db.schema
    .createIndex("subscription_price_changes_subscription")
    .on("subscription_price_changes")
    .columns(["environment_id", "subscription_id", "status"])
    .execute();

  await db.schema.alterTable("subscriptions").addColumn("pending_price_change", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("subscriptions").dropColumn("pending_price_change").execute();
  await db.schema.dropTable("subscription_price_changes").execute();
  await db.schema.dropTable("price_migrations").execute();
}
