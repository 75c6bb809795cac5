import type { Kysely } from "kysely";

// Frozen in time (see 001). Campaigns (modules/campaigns): coupons, their promotion codes, the
// discounts redemptions put on subscriptions, the ledger of every redemption and refusal, the
// offers scoped triggers issue, and what each discounted charge took off (for invoice lines).

export async function up(db: Kysely<any>): Promise<void> {
  const scoped = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("tenant_id", "text", (c) => c.notNull())
      .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"));

  await scoped("coupons")
    .addColumn("name", "text", (c) => c.notNull())
    // Hundredths of a percent (12.5% = 1250): exact in both dialects.
    .addColumn("percent_off_hundredths", "integer")
    .addColumn("amounts_off", "text")
    .addColumn("duration", "text", (c) => c.notNull())
    .addColumn("duration_in_periods", "integer")
    .addColumn("applies_to", "text", (c) => c.notNull())
    .addColumn("first_subscription_only", "integer", (c) => c.notNull())
    .addColumn("minimum_amounts", "text")
    .addColumn("starts_at", "text")
    .addColumn("ends_at", "text")
    .addColumn("max_redemptions", "integer")
    .addColumn("max_redemptions_per_customer", "integer")
    .addColumn("times_redeemed", "integer", (c) => c.notNull())
    .addColumn("velocity", "text")
    .addColumn("trigger", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await scoped("promotion_codes")
    .addColumn("coupon_id", "text", (c) => c.notNull().references("coupons.id"))
    .addColumn("code", "text", (c) => c.notNull())
    // Upper-cased: codes are unique and matched case-insensitively.
    .addColumn("code_key", "text", (c) => c.notNull())
    .addColumn("customer_id", "text")
    .addColumn("max_redemptions", "integer")
    .addColumn("times_redeemed", "integer", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("promotion_codes_code")
    .on("promotion_codes")
    .columns(["environment_id", "code_key"])
    .unique()
    .execute();

  await scoped("campaign_redemptions")
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("code", "text")
    .addColumn("coupon_id", "text")
    .addColumn("promotion_code_id", "text")
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("subscription_id", "text")
    .addColumn("fingerprint_digest", "text")
    .addColumn("checks", "text", (c) => c.notNull())
    .addColumn("request_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("campaign_redemptions_coupon")
    .on("campaign_redemptions")
    .columns(["environment_id", "coupon_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("campaign_redemptions_customer")
    .on("campaign_redemptions")
    .columns(["environment_id", "customer_id"])
    .execute();

  await scoped("discounts")
    .addColumn("subscription_id", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("coupon_id", "text", (c) => c.notNull().references("coupons.id"))
    .addColumn("promotion_code_id", "text")
    .addColumn("redemption_id", "text", (c) => c.notNull())
    .addColumn("first_period", "integer", (c) => c.notNull())
    .addColumn("last_period", "integer")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("ended_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("discounts_subscription")
    .on("discounts")
    .columns(["environment_id", "subscription_id", "status"])
    .execute();

  // One row per discounted charge (subscription, period, kind): what the invoice's discount line shows.
  await scoped("discount_applications")
    .addColumn("discount_id", "text", (c) => c.notNull())
    .addColumn("subscription_id", "text", (c) => c.notNull())
    .addColumn("period_index", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("gross_amount", "integer", (c) => c.notNull())
    .addColumn("discount_amount", "integer", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("discount_applications_charge")
    .on("discount_applications")
    .columns(["environment_id", "subscription_id", "period_index", "kind", "gross_amount"])
    .unique()
    .execute();

  await scoped("campaign_offers")
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("coupon_id", "text", (c) => c.notNull().references("coupons.id"))
    .addColumn("trigger", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("redeemed_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("campaign_offers_customer")
    .on("campaign_offers")
    .columns(["environment_id", "customer_id", "coupon_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "campaign_offers",
    "discount_applications",
    "discounts",
    "campaign_redemptions",
    "promotion_codes",
    "coupons",
  ])
    await db.schema.dropTable(t).execute();
}
