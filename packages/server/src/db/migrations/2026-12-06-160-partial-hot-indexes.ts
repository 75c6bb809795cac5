import { type Kysely, sql } from "kysely";

// Two indexes every renewal wrote to for rows they never find (docs/architecture.md, "renewal
// bench"): a payment is reserved before the provider names it, so its reference starts null; and
// the audit records a change makes for its decisions and outcome belong to no event. Null keys are
// never looked up (`provider_reference = ?` and `event_id = ?` imply not null, which lets both
// SQLite and Postgres use a partial index), so the indexes leave them out: ≈ 2.5 WAL pages fewer
// per renewal. The event index stays unique.
//
// And an object's events newest first (`object_id = ? and id < ? order by id desc`, the audit
// consumer's catch-up and the events list) read the object's index entries but sorted them, so the
// planner walked the whole environment by id instead: ≈ 2 ms per event at 100,000 events, growing
// with them. The object index now ends with the id, same width, one page per write as before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("events_env_object").execute();
  await db.schema
    .createIndex("events_env_object")
    .on("events")
    .columns(["environment_id", "object_id", "id"])
    .execute();
  await db.schema.dropIndex("payments_provider_reference").execute();
  await db.schema
    .createIndex("payments_provider_reference")
    .on("payments")
    .columns(["environment_id", "provider", "provider_reference"])
    .where(sql.ref("provider_reference"), "is not", null)
    .execute();
  await db.schema.dropIndex("audit_records_event").execute();
  await db.schema
    .createIndex("audit_records_event")
    .unique()
    .on("audit_records")
    .column("event_id")
    .where(sql.ref("event_id"), "is not", null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("events_env_object").execute();
  await db.schema.createIndex("events_env_object").on("events").columns(["environment_id", "object_id"]).execute();
  await db.schema.dropIndex("audit_records_event").execute();
  await db.schema.createIndex("audit_records_event").unique().on("audit_records").columns(["event_id"]).execute();
  await db.schema.dropIndex("payments_provider_reference").execute();
  await db.schema
    .createIndex("payments_provider_reference")
    .on("payments")
    .columns(["environment_id", "provider", "provider_reference"])
    .execute();
}
