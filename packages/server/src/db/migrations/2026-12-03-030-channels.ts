import { type Kysely, PostgresAdapter, sql } from "kysely";

// Frozen in time (see 001). Subscription channels (App Store, Play, PayPal, carriers): the links
// between a vendor's subscription ids and ours, the map from vendor products to our prices, and
// the inbox of every notification a vendor sent. Subscriptions a store manages have no payment
// method of ours, so that column becomes nullable.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("channel_links")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("channel", "text", (c) => c.notNull())
    // App Store: originalTransactionId; Play: the purchase token; PayPal: I-…; carrier: its id.
    .addColumn("vendor_subscription_id", "text", (c) => c.notNull())
    .addColumn("vendor_customer_id", "text")
    .addColumn("storefront_id", "text", (c) => c.notNull().references("storefronts.id"))
    .addColumn("customer_id", "text", (c) => c.references("customers.id"))
    // Null until a notification (or the merchant) ties the vendor subscription to one of ours.
    .addColumn("subscription_id", "text", (c) => c.references("subscriptions.id"))
    // The vendor's time and sequence of the newest notification applied: older ones change nothing.
    .addColumn("last_occurred_at", "text")
    .addColumn("last_sequence", "bigint")
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("channel_links_vendor_id", [
      "tenant_id",
      "environment_id",
      "channel",
      "vendor_subscription_id",
    ])
    .execute();
  await db.schema
    .createIndex("channel_links_subscription")
    .on("channel_links")
    .columns(["environment_id", "subscription_id"])
    .execute();

  await db.schema
    .createTable("channel_products")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("storefront_id", "text", (c) => c.notNull().references("storefronts.id"))
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("vendor_product_id", "text", (c) => c.notNull())
    .addColumn("price_id", "text", (c) => c.notNull().references("prices.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("channel_products_vendor_id", [
      "tenant_id",
      "environment_id",
      "storefront_id",
      "channel",
      "vendor_product_id",
    ])
    .execute();

  await db.schema
    .createTable("channel_notifications")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("storefront_id", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    // The vendor's id for this delivery (notificationUUID, Pub/Sub message id, webhook event id):
    // a second delivery of the same id is the same notification.
    .addColumn("vendor_event_id", "text", (c) => c.notNull())
    .addColumn("vendor_subscription_id", "text")
    .addColumn("vendor_type", "text", (c) => c.notNull())
    .addColumn("vendor_subtype", "text")
    // The state-machine event it maps to; null when the type changes no status (it may still patch).
    .addColumn("event", "text")
    .addColumn("occurred_at", "text", (c) => c.notNull())
    .addColumn("sequence", "bigint")
    .addColumn("product_id", "text")
    .addColumn("customer_hint", "text")
    // The period the vendor states with it (expiresDate …), when it states one.
    .addColumn("period_start", "text")
    .addColumn("period_end", "text")
    .addColumn("raw", "text", (c) => c.notNull())
    .addColumn("verified", "integer", (c) => c.notNull())
    // received → applied | parked (unknown link/product: retried when those change) | superseded
    // (older than what was applied) | ignored (nothing to do) | rejected (failed verification).
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("detail", "text")
    .addColumn("link_id", "text")
    .addColumn("subscription_id", "text")
    // JSON { from, to, patch } of what applying it changed, or null.
    .addColumn("changes", "text")
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("applied_at", "text")
    .addUniqueConstraint("channel_notifications_vendor_event", [
      "tenant_id",
      "environment_id",
      "channel",
      "vendor_event_id",
    ])
    .execute();
  await db.schema
    .createIndex("channel_notifications_subscription")
    .on("channel_notifications")
    .columns(["environment_id", "subscription_id"])
    .execute();
  await db.schema
    .createIndex("channel_notifications_vendor_sub")
    .on("channel_notifications")
    .columns(["environment_id", "channel", "vendor_subscription_id", "status"])
    .execute();

  await paymentMethodNullable(db);
}

async function paymentMethodNullable(db: Kysely<any>): Promise<void> {
  // The one dialect branch: Postgres can drop a NOT NULL in place.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table subscriptions alter column payment_method drop not null`.execute(db);
    return;
  }
  const { rows } = await sql<{ sql: string; type: string }>`
    select sql, type from sqlite_master where tbl_name = 'subscriptions' and sql is not null`.execute(db);
  // SQLite cannot drop a NOT NULL: rebuild the table from its own stored definition (so columns
  // another migration added are kept), copy the rows, and put its indexes back.
  const table = rows.find((r) => r.type === "table")!.sql;
  const rebuilt = table
    .replace(/^create table "?subscriptions"?/i, 'create table "subscriptions_rebuilt"')
    .replace(/("payment_method" text) not null/i, "$1");
  if (rebuilt === table || !/"payment_method" text,/i.test(rebuilt)) {
    throw new Error(`unexpected subscriptions definition: ${table}`);
  }
  // SQLite's documented way (sqlite.org/lang_altertable.html, "other kinds of table schema
  // changes"): with foreign keys off, or dropping the table would delete through the rows of
  // tables that reference it (payments, invoices, links…). The copy is row for row into the same
  // columns, so it cannot break a reference. Migrations run outside a transaction on SQLite and
  // on its one connection, so the pragma holds for exactly these statements.
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql.raw(rebuilt).execute(db);
    await sql`insert into subscriptions_rebuilt select * from subscriptions`.execute(db);
    await sql`drop table subscriptions`.execute(db);
    await sql`alter table subscriptions_rebuilt rename to subscriptions`.execute(db);
    for (const index of rows.filter((r) => r.type === "index")) await sql.raw(index.sql).execute(db);
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("channel_notifications").execute();
  await db.schema.dropTable("channel_products").execute();
  await db.schema.dropTable("channel_links").execute();
}
