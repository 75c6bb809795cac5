import { type Kysely, PostgresAdapter, sql } from "kysely";

// Frozen in time (see 001). The audit trail: one hash chain per tenant (`audit_records`, its head
// in `audit_chain_heads`, locked to serialise appends), signed checkpoints over (tenant, seq, hash),
// and the Ed25519 keys that sign them (private halves sealed with the master key). Events also
// keep the Idempotency-Key of the request that made them, for the audit trail.
//
// Postgres refuses UPDATE, DELETE and TRUNCATE of audit records and checkpoints with a trigger.
// AUDIT-RETENTION-BYPASS: the one controlled way around it, for the retention job to come, is a
// transaction-local setting checked by the trigger — `set local tessera.audit_retention = 'on'` —
// which lets DELETE (never UPDATE) through. Nothing uses it yet.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("events").addColumn("idempotency_key", "text").execute();

  await db.schema
    .createTable("audit_records")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("environment_id", "text")
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("object_type", "text")
    .addColumn("object_id", "text")
    .addColumn("actor", "text")
    .addColumn("request_id", "text")
    .addColumn("idempotency_key", "text")
    .addColumn("correlation_id", "text")
    .addColumn("causation_id", "text")
    .addColumn("event_id", "text")
    .addColumn("before", "text")
    .addColumn("after", "text")
    .addColumn("reason", "text")
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("recorded_at", "text", (c) => c.notNull())
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_records_chain")
    .unique()
    .on("audit_records")
    .columns(["tenant_id", "seq"])
    .execute();
  // One record per event, whatever the consumer's retries.
  await db.schema.createIndex("audit_records_event").unique().on("audit_records").columns(["event_id"]).execute();
  await db.schema
    .createIndex("audit_records_correlation")
    .on("audit_records")
    .columns(["tenant_id", "correlation_id"])
    .execute();
  await db.schema
    .createIndex("audit_records_object")
    .on("audit_records")
    .columns(["tenant_id", "object_id", "seq"])
    .execute();
  await db.schema
    .createIndex("audit_records_env")
    .on("audit_records")
    .columns(["tenant_id", "environment_id", "id"])
    .execute();

  await db.schema
    .createTable("audit_chain_heads")
    .addColumn("tenant_id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("audit_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("private_key_encrypted", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("audit_checkpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("signature", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_checkpoints_chain")
    .unique()
    .on("audit_checkpoints")
    .columns(["tenant_id", "seq"])
    .execute();

  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`
      create function audit_append_only() returns trigger language plpgsql as $$
      begin
        -- AUDIT-RETENTION-BYPASS (see migration 2026-12-03-080-audit): deletes by retention only.
        if tg_op = 'DELETE' and current_setting('tessera.audit_retention', true) = 'on' then
          return old;
        end if;
        raise exception 'audit trail is append-only: % on % refused', tg_op, tg_table_name
          using errcode = 'insufficient_privilege';
      end $$`.execute(db);
    for (const table of ["audit_records", "audit_checkpoints"]) {
      await sql`create trigger ${sql.id(`${table}_append_only`)} before update or delete on ${sql.id(table)}
        for each row execute function audit_append_only()`.execute(db);
      await sql`create trigger ${sql.id(`${table}_no_truncate`)} before truncate on ${sql.id(table)}
        for each statement execute function audit_append_only()`.execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("audit_checkpoints").execute();
  await db.schema.dropTable("audit_keys").execute();
  await db.schema.dropTable("audit_chain_heads").execute();
  await db.schema.dropTable("audit_records").execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop function if exists audit_append_only()`.execute(db);
  }
  await db.schema.alterTable("events").dropColumn("idempotency_key").execute();
}
