import type { Kysely } from "kysely";

// Frozen in time (see 001). Trial eligibility (modules/trials): a policy per storefront, and one
// claim per trial started, with the identities it was started under as keyed digests (HMAC), so
// later sign-ups can be matched without keeping the e-mail, device id or MSISDN in the clear.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("trial_policies")
    .addColumn("storefront_id", "text", (c) => c.primaryKey().references("storefronts.id"))
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("one_per", "text", (c) => c.notNull())
    .addColumn("family", "text", (c) => c.notNull())
    .addColumn("lookback_days", "integer")
    .addColumn("on_ineligible", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("trial_claims")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("storefront_id", "text", (c) => c.notNull())
    .addColumn("bundle_id", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("subscription_id", "text")
    .addColumn("email_digest", "text")
    .addColumn("payment_method_digest", "text")
    .addColumn("device_digest", "text")
    .addColumn("msisdn_digest", "text")
    .addColumn("started_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("trial_claims_storefront")
    .on("trial_claims")
    .columns(["environment_id", "storefront_id", "started_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("trial_claims").execute();
  await db.schema.dropTable("trial_policies").execute();
}
