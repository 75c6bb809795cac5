import { type Kysely, sql } from "kysely";

// Frozen in time (see 001). Pending jobs split into two indexes by whether they wait on a target
// (a PSP, a webhook endpoint, a channel vendor), same columns as `jobs_pending` (006), so a job is
// written to one index as before. While a target holds its cap in a worker, a claim looking for
// other work read that target's whole due backlog off the one time-ordered index to find nothing,
// and the untargeted work behind it (the events' fan-out and consumers, due after the backlog)
// cost a read of the backlog every time (docs/architecture.md, "renewal bench"). Untargeted jobs
// now come off an index of their own, at once; the look past a capped backlog is spaced out
// (jobs/worker.ts). Both predicates are literals in the claim, so both planners match them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("jobs_pending").execute();
  await db.schema
    .createIndex("jobs_pending_open")
    .on("jobs")
    .columns(["clock", "run_at", "id"])
    .where(sql.ref("status"), "=", "pending")
    .where(sql.ref("target"), "is", null)
    .execute();
  await db.schema
    .createIndex("jobs_pending_targeted")
    .on("jobs")
    .columns(["clock", "run_at", "id"])
    .where(sql.ref("status"), "=", "pending")
    .where(sql.ref("target"), "is not", null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("jobs_pending_targeted").execute();
  await db.schema.dropIndex("jobs_pending_open").execute();
  await db.schema
    .createIndex("jobs_pending")
    .on("jobs")
    .columns(["clock", "run_at", "id"])
    .where(sql.ref("status"), "=", "pending")
    .execute();
}
