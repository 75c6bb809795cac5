import type { Kysely } from "kysely";

/**
 * Payment orchestration (issue #9): stored payment methods with one provider token per PSP that
 * vaulted them, each storefront's routing settings, the decayed success statistics routing scores
 * with, and the routing decision kept on every payment.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("payment_methods")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("brand", "text")
    .addColumn("last4", "text")
    .addColumn("exp_month", "integer")
    .addColumn("exp_year", "integer")
    .addColumn("fingerprint", "text")
    .addColumn("is_default", "integer", (c) => c.notNull().defaultTo(0))
    // Detached methods stay for the payments that name them, but are never charged again.
    .addColumn("detached_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("payment_methods_customer")
    .on("payment_methods")
    .columns(["environment_id", "customer_id"])
    .execute();
  // Trial-abuse rules look methods up by fingerprint.
  await db.schema
    .createIndex("payment_methods_fingerprint")
    .on("payment_methods")
    .columns(["environment_id", "fingerprint"])
    .execute();

  await db.schema
    .createTable("payment_method_tokens")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("payment_method_id", "text", (c) => c.notNull().references("payment_methods.id").onDelete("cascade"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("token", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("payment_method_tokens_pk", ["payment_method_id", "provider"])
    .execute();

  await db.schema
    .createTable("payment_routing")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("storefront_id", "text", (c) => c.primaryKey())
    .addColumn("settings", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  // Decayed counts, stored scaled by 2^(age within the era / half-life) so that recording an
  // outcome is one atomic add; an era ends before the scale could lose precision.
  await db.schema
    .createTable("routing_stats")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("country", "text", (c) => c.notNull())
    .addColumn("method_type", "text", (c) => c.notNull())
    .addColumn("era", "integer", (c) => c.notNull())
    .addColumn("weighted_ok", "double precision", (c) => c.notNull())
    .addColumn("weighted_all", "double precision", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("routing_stats_pk", ["environment_id", "provider", "country", "method_type"])
    .execute();

  await db.schema.alterTable("payments").addColumn("routing", "text").execute();
  // The attempts a payment cascaded away from (JSON); the current one is the row itself.
  await db.schema.alterTable("payments").addColumn("attempts", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("payments").dropColumn("attempts").execute();
  await db.schema.alterTable("payments").dropColumn("routing").execute();
  await db.schema.dropTable("routing_stats").ifExists().execute();
  await db.schema.dropTable("payment_routing").ifExists().execute();
  await db.schema.dropTable("payment_method_tokens").ifExists().execute();
  await db.schema.dropTable("payment_methods").ifExists().execute();
}
