import type { Kysely } from "kysely";

// Frozen in time (see 001). Subscriptions, payment attempts, and the sandbox payment provider's state.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("subscriptions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    // No cascade: money records outlive nothing they point at (customers and bundles are kept/archived).
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("storefront_id", "text", (c) => c.notNull().references("storefronts.id"))
    .addColumn("bundle_id", "text", (c) => c.notNull().references("bundles.id"))
    .addColumn("price_id", "text", (c) => c.notNull().references("prices.id"))
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("payment_method", "text", (c) => c.notNull())
    // Periods are computed from an anchor (addInterval(anchor_at, …, period_index - anchor_period)), never
    // by adding one period to the last, so month-end anchors do not drift.
    .addColumn("period_index", "integer", (c) => c.notNull())
    .addColumn("anchor_at", "text", (c) => c.notNull())
    .addColumn("anchor_period", "integer", (c) => c.notNull())
    .addColumn("current_period_start", "text", (c) => c.notNull())
    .addColumn("current_period_end", "text", (c) => c.notNull())
    .addColumn("trial_end", "text")
    .addColumn("cancel_at_period_end", "integer", (c) => c.notNull())
    .addColumn("cancelled_at", "text")
    .addColumn("ended_at", "text")
    .addColumn("status_history", "text", (c) => c.notNull())
    .addColumn("pending_plan_change", "text")
    .addColumn("latest_payment_id", "text")
    // Set while a charge for this subscription is between "reserved" and "applied": other changes wait.
    .addColumn("inflight_payment_id", "text")
    // In grace/suspended: the failed payment that dunning retries (its amount and kind).
    .addColumn("unpaid_payment_id", "text")
    .addColumn("dunning_step", "integer")
    .addColumn("dunning_retryable", "integer")
    .addColumn("next_retry_at", "text")
    // When a pending (timed-out) payment of this subscription is next checked with the provider.
    .addColumn("payment_check_at", "text")
    // Compare-and-set guard: every write is `where version = <read version>` and bumps it.
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("subscriptions_env_id").on("subscriptions").columns(["environment_id", "id"]).execute();
  await db.schema
    .createIndex("subscriptions_env_customer")
    .on("subscriptions")
    .columns(["environment_id", "customer_id"])
    .execute();
  await db.schema
    .createIndex("subscriptions_env_bundle")
    .on("subscriptions")
    .columns(["environment_id", "bundle_id"])
    .execute();

  await db.schema
    .createTable("payments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    // The storefront whose payment providers routed it (refunds and checks go back through them).
    .addColumn("storefront_id", "text", (c) => c.notNull())
    // No foreign key: a failed first charge is kept although its subscription was never created.
    .addColumn("subscription_id", "text")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("amount", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("refunded_amount", "bigint", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("provider_reference", "text")
    .addColumn("failure_code", "text")
    .addColumn("failure_message", "text")
    .addColumn("retryable", "integer")
    .addColumn("period_index", "integer", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("payment_method", "text", (c) => c.notNull())
    // (subscription, period, attempt): the key the provider dedupes on, so one attempt is one charge.
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("correlation_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("payments_env_id").on("payments").columns(["environment_id", "id"]).execute();
  await db.schema
    .createIndex("payments_env_subscription")
    .on("payments")
    .columns(["environment_id", "subscription_id"])
    .execute();
  await db.schema
    .createIndex("payments_env_customer")
    .on("payments")
    .columns(["environment_id", "customer_id"])
    .execute();

  // The sandbox provider's own books, as a real provider would keep them on its side: in the
  // database so they survive restarts and every worker sees the same charges.
  await db.schema
    .createTable("sandbox_operations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("idempotency_key", "text", (c) => c.notNull())
    .addColumn("operation", "text", (c) => c.notNull())
    .addColumn("charge_id", "text")
    .addColumn("payment_method", "text")
    .addColumn("customer", "text")
    .addColumn("amount", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("decline_code", "text")
    .addColumn("timed_out", "integer", (c) => c.notNull())
    .addColumn("captured_amount", "bigint", (c) => c.notNull())
    .addColumn("refunded_amount", "bigint", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("sandbox_operations_key", ["environment_id", "provider", "idempotency_key"])
    .execute();
  // Only the "first charge succeeds, later ones decline" token looks up earlier charges.
  await db.schema
    .createIndex("sandbox_operations_first_charge")
    .on("sandbox_operations")
    .columns(["environment_id", "customer", "payment_method"])
    .where("payment_method", "=", "pm_sandbox_ok_then_decline")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("sandbox_operations").ifExists().execute();
  await db.schema.dropTable("payments").ifExists().execute();
  await db.schema.dropTable("subscriptions").ifExists().execute();
}
