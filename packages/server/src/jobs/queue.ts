import { sql } from "kysely";
import type { DialectName } from "../db/connect.js";
import type { Db, JobRow } from "../db/types.js";
import { newId } from "../lib/ids.js";
import { toJson } from "../lib/json.js";

export interface EnqueueJob {
  type: string;
  payload: unknown;
  /** When it becomes due, ISO-8601. */
  runAt: string;
  /** The tenant + environment it belongs to (its test clock decides when it is due). */
  scope?: { tenantId: string; environmentId: string };
  /** 'environment' (default when scoped): due by the environment's clock; 'wall': by real time. */
  clock?: "environment" | "wall";
  /** At most one job ever exists per dedupe key: enqueueing a duplicate is a no-op. */
  dedupeKey?: string;
  maxAttempts?: number;
}

/**
 * Adds a job, normally inside the transaction of the change that needs it (so the job exists
 * exactly when the change does). Returns the id, or undefined when the dedupe key was taken.
 */
export async function enqueueJob(db: Db, now: string, job: EnqueueJob): Promise<string | undefined> {
  const id = newId("job");
  const result = await db
    .insertInto("jobs")
    .values({
      id,
      tenant_id: job.scope?.tenantId ?? null,
      environment_id: job.scope?.environmentId ?? null,
      type: job.type,
      payload: toJson(job.payload),
      clock: job.clock ?? (job.scope ? "environment" : "wall"),
      run_at: job.runAt,
      status: "pending",
      attempts: 0,
      max_attempts: job.maxAttempts ?? 10,
      locked_by: null,
      locked_until: null,
      last_error: null,
      dedupe_key: job.dedupeKey ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? id : undefined;
}

export interface ClaimOptions {
  workerId: string;
  /** Real time: lock expiry and 'wall' jobs. */
  wallNow: string;
  lockUntil: string;
  limit: number;
  /** Only this environment's environment-clock jobs (a test-clock advance). */
  environmentId?: string;
}

/**
 * Claims due jobs and locks them for this worker. A job is due when its run_at has passed by its
 * clock: the wall clock, or its environment's test clock when one is set. A 'running' job whose
 * lock expired (its worker died) is due again. On Postgres, `FOR UPDATE SKIP LOCKED` lets any
 * number of workers claim concurrently without taking the same job; SQLite has one writer.
 */
export async function claimDueJobs(db: Db, dialect: DialectName, o: ClaimOptions): Promise<JobRow[]> {
  const scoped = o.environmentId
    ? sql`j.environment_id = ${o.environmentId} and j.clock = 'environment' and j.run_at <= coalesce(e.test_clock_at, ${o.wallNow})`
    : sql`((j.clock = 'wall' and j.run_at <= ${o.wallNow}) or (j.clock = 'environment' and j.run_at <= coalesce(e.test_clock_at, ${o.wallNow})))`;
  const lock = dialect === "postgres" ? sql`for update of j skip locked` : sql``;
  const result = await sql<JobRow>`
    update jobs set status = 'running', locked_by = ${o.workerId}, locked_until = ${o.lockUntil},
      attempts = attempts + 1, updated_at = ${o.wallNow}
    where id in (
      select j.id from jobs j left join environments e on e.id = j.environment_id
      where (j.status = 'pending' or (j.status = 'running' and j.locked_until < ${o.wallNow}))
        and ${scoped}
      order by j.run_at, j.id
      limit ${o.limit}
      ${lock}
    )
    returning *`.execute(db);
  return result.rows.sort((a, b) => (a.run_at === b.run_at ? (a.id < b.id ? -1 : 1) : a.run_at < b.run_at ? -1 : 1));
}

/** Marks a job done, only if this worker still holds it. */
export async function completeJob(db: Db, job: JobRow, workerId: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable("jobs")
    .set({ status: "done", locked_by: null, locked_until: null, updated_at: now })
    .where("id", "=", job.id)
    .where("locked_by", "=", workerId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Exponential backoff with full jitter, capped: 5 s, 10 s, 20 s … up to an hour. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(3_600_000, 5_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

export async function failJob(
  db: Db,
  job: JobRow,
  workerId: string,
  error: unknown,
  wallNow: Date,
): Promise<"retry" | "dead"> {
  const message = error instanceof Error ? error.message : String(error);
  const dead = job.attempts >= job.max_attempts;
  // An environment-clock job retries after its own run_at, so a test clock that jumped ahead sees it.
  const from = job.clock === "environment" ? Math.max(Date.parse(job.run_at), wallNow.getTime()) : wallNow.getTime();
  const retryAt = new Date(from + backoffMs(job.attempts)).toISOString();
  await db
    .updateTable("jobs")
    .set({
      status: dead ? "dead" : "pending",
      run_at: dead ? job.run_at : retryAt,
      locked_by: null,
      locked_until: null,
      last_error: message.slice(0, 2000),
      updated_at: wallNow.toISOString(),
    })
    .where("id", "=", job.id)
    .where("locked_by", "=", workerId)
    .execute();
  return dead ? "dead" : "retry";
}

/** The earliest pending environment-clock job of an environment due by `until`, for test clocks. */
export async function nextDueAt(db: Db, environmentId: string, until: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("jobs")
    .select((eb) => eb.fn.min("run_at").as("run_at"))
    .where("environment_id", "=", environmentId)
    .where("clock", "=", "environment")
    .where("status", "in", ["pending", "running"])
    .where("run_at", "<=", until)
    .executeTakeFirst();
  return row?.run_at ?? undefined;
}
