import type { Kysely } from "kysely";

// Frozen in time (see 001). Per-storefront settings of each subscription channel (App Store bundle
// id, Play package name, API base URLs …) with their secrets sealed apart, and, on the inbox, the
// vendor's answer when a notification had to be completed by asking the vendor (refetch).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("channel_settings")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("storefront_id", "text", (c) => c.notNull().references("storefronts.id").onDelete("cascade"))
    .addColumn("channel", "text", (c) => c.notNull())
    // JSON of public settings; the secrets are one SecretBox seal bound to this row's storefront + channel.
    .addColumn("config", "text", (c) => c.notNull())
    .addColumn("credentials_encrypted", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("channel_settings_storefront_channel", [
      "tenant_id",
      "environment_id",
      "storefront_id",
      "channel",
    ])
    .execute();

  // JSON { event, trial?, cancelAtPeriodEnd?, observedAt } the vendor answered for a notification
  // whose mapping says `refetch`, or for a repair; null until asked.
  await db.schema.alterTable("channel_notifications").addColumn("resolved_effect", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("channel_notifications").dropColumn("resolved_effect").execute();
  await db.schema.dropTable("channel_settings").execute();
}
