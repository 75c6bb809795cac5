import { type Kysely, sql } from "kysely";

// Frozen in time (see 001). The job queue's own copy of each environment's test clock: the queue
// claims environment-clock jobs against it instead of reading tenancy's `environments` table. A row
// exists only while the environment's clock is frozen; tenancy writes both in one transaction.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("job_clocks")
    .addColumn("environment_id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("clock_at", "text", (c) => c.notNull())
    .execute();
  await sql`insert into job_clocks (environment_id, tenant_id, clock_at)
    select id, tenant_id, test_clock_at from environments where test_clock_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("job_clocks").ifExists().execute();
}
