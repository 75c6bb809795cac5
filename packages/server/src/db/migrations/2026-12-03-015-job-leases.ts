import { type Kysely, sql } from "kysely";

// Frozen in time (see 001). Leases and per-target limits (jobs/worker.ts):
// * `jobs.target` names what a job waits on (a webhook endpoint, a provider), so a worker caps the
//   jobs it runs at once per target and one hanging receiver holds only its own slots.
// * `jobs_held` finds the running jobs of one worker: its heartbeat renews their leases and a
//   shutdown releases them.
// * `environments.test_clock_advance_*` remember an advance in progress, so one interrupted by a
//   crash is finished (its event written once) by the next advance instead of being half done.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("jobs").addColumn("target", "text").execute();
  await db.schema
    .createIndex("jobs_held")
    .on("jobs")
    .columns(["locked_by"])
    .where(sql.ref("status"), "=", "running")
    .execute();
  await db.schema.alterTable("environments").addColumn("test_clock_advance_from", "text").execute();
  await db.schema.alterTable("environments").addColumn("test_clock_advance_to", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("environments").dropColumn("test_clock_advance_to").execute();
  await db.schema.alterTable("environments").dropColumn("test_clock_advance_from").execute();
  await db.schema.dropIndex("jobs_held").execute();
  await db.schema.alterTable("jobs").dropColumn("target").execute();
}
