import { type Kysely, sql } from "kysely";

// Frozen in time (see 001). Events record who acted (`actor`, JSON) and what caused them
// (`causation_id`); jobs carry the lineage of the request or run that scheduled them. Events are
// fanned out to consumers after commit: `fanned_out_at` is null until the fan-out job has handed
// the event to every consumer, and a partial index holds only those pending rows (ids are made
// before commit, so a cursor by id could skip an event that committed late; a marker cannot).
// Per-customer keys make personal fields in immutable rows erasable (crypto-shredding), and the
// last pushed entitlement set per customer lets `customer.entitlements_updated` say what changed.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("events").addColumn("actor", "text").execute();
  await db.schema.alterTable("events").addColumn("causation_id", "text").execute();
  await db.schema.alterTable("events").addColumn("fanned_out_at", "text").execute();
  // Events written before this migration were delivered by the old in-transaction listener.
  await db
    .updateTable("events")
    .set({ fanned_out_at: sql.ref("created_at") })
    .execute();
  await db.schema
    .createIndex("events_fanout_pending")
    .on("events")
    .columns(["environment_id", "id"])
    .where(sql.ref("fanned_out_at"), "is", null)
    .execute();

  await db.schema.alterTable("jobs").addColumn("correlation_id", "text").execute();
  await db.schema.alterTable("jobs").addColumn("causation_id", "text").execute();

  await db.schema
    .createTable("customer_keys")
    .addColumn("customer_id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("key_encrypted", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("customer_entitlement_states")
    .addColumn("customer_id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text", (c) => c.notNull().references("environments.id").onDelete("cascade"))
    .addColumn("entitlements", "text", (c) => c.notNull())
    .addColumn("event_id", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("customer_entitlement_states").execute();
  await db.schema.dropTable("customer_keys").execute();
  await db.schema.alterTable("jobs").dropColumn("causation_id").execute();
  await db.schema.alterTable("jobs").dropColumn("correlation_id").execute();
  await db.schema.dropIndex("events_fanout_pending").execute();
  await db.schema.alterTable("events").dropColumn("fanned_out_at").execute();
  await db.schema.alterTable("events").dropColumn("causation_id").execute();
  await db.schema.alterTable("events").dropColumn("actor").execute();
}
