import { type Kysely, sql } from "kysely";

// Frozen in time (see 001). Job claims read due jobs in (run_at, id) order straight off an index
// and stop at their limit, instead of sorting the whole backlog (jobs/queue.ts `claimDueJobs`).
// The indexes hold only the rows a claim can take: pending jobs, and running ones (whose lock may
// expire). Finished jobs, the bulk of the table, leave them, so marking a job done writes no index.
// The status is a literal in each predicate, and in the queries, so both planners match them.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("jobs_due").execute();
  await db.schema.dropIndex("jobs_env_due").execute();
  await db.schema
    .createIndex("jobs_pending")
    .on("jobs")
    .columns(["clock", "run_at", "id"])
    .where(sql.ref("status"), "=", "pending")
    .execute();
  await db.schema
    .createIndex("jobs_env_pending")
    .on("jobs")
    .columns(["environment_id", "clock", "run_at", "id"])
    .where(sql.ref("status"), "=", "pending")
    .execute();
  await db.schema
    .createIndex("jobs_running")
    .on("jobs")
    .columns(["locked_until"])
    .where(sql.ref("status"), "=", "running")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("jobs_running").execute();
  await db.schema.dropIndex("jobs_env_pending").execute();
  await db.schema.dropIndex("jobs_pending").execute();
  await db.schema.createIndex("jobs_due").on("jobs").columns(["status", "run_at"]).execute();
  await db.schema.createIndex("jobs_env_due").on("jobs").columns(["environment_id", "status", "run_at"]).execute();
}
