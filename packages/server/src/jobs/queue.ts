import { type Kysely, type RawBuilder, sql } from "kysely";
import type { DialectName } from "../db/connect.js";
import type { Database, Db, JobRow } from "../db/types.js";
import { newId } from "../lib/ids.js";
import { toJson } from "../lib/json.js";
import { preparedQuery } from "../lib/prepared.js";

export interface EnqueueJob {
  type: string;
  payload: unknown;
  /** When it becomes due, ISO-8601. */
  runAt: string;
  /** The tenant + environment it belongs to (its test clock decides when it is due). */
  scope?: { tenantId: string; environmentId: string; correlationId?: string; causationId?: string };
  /** 'environment' (default when scoped): due by the environment's clock; 'wall': by real time. */
  clock?: "environment" | "wall";
  /** At most one job ever exists per dedupe key: enqueueing a duplicate is a no-op. */
  dedupeKey?: string;
  maxAttempts?: number;
  /** What the job waits on (`webhook:<endpoint>`): a worker runs only a few jobs per target at once. */
  target?: string;
  /** Lineage (events module): the correlation it continues and what caused it. */
  correlationId?: string | null;
  causationId?: string | null;
}

/**
 * Adds a job, normally inside the transaction of the change that needs it (so the job exists
 * exactly when the change does). Returns the id, or undefined when the dedupe key was taken.
 */
/**
 * Freezes (or, with null, frees) the clock that an environment's jobs are due by. Tenancy calls it
 * in the transaction that moves the environment's test clock, so the two never disagree.
 */
export async function setJobClock(
  db: Db,
  environment: { tenantId: string; environmentId: string },
  at: string | null,
): Promise<void> {
  await db.deleteFrom("job_clocks").where("environment_id", "=", environment.environmentId).execute();
  if (at === null) return;
  await db
    .insertInto("job_clocks")
    .values({ environment_id: environment.environmentId, tenant_id: environment.tenantId, clock_at: at })
    .execute();
}

export async function enqueueJob(db: Db, now: string, job: EnqueueJob): Promise<string | undefined> {
  const id = newId("job");
  const result = await jobInsert(db, {
    id,
    tenant_id: job.scope?.tenantId ?? null,
    environment_id: job.scope?.environmentId ?? null,
    type: job.type,
    payload: toJson(job.payload),
    clock: job.clock ?? (job.scope ? "environment" : "wall"),
    run_at: job.runAt,
    max_attempts: job.maxAttempts ?? 10,
    dedupe_key: job.dedupeKey ?? null,
    target: job.target ?? null,
    // A job scheduled by a request or another job continues its lineage (a full Scope carries it).
    correlation_id: job.correlationId ?? job.scope?.correlationId ?? null,
    causation_id: job.causationId ?? job.scope?.causationId ?? null,
    now,
  });
  return Number(result.numAffectedRows ?? 0) > 0 ? id : undefined;
}

// Every change that schedules follow-up work writes one: compiled once (see lib/prepared.ts).
const jobInsert = preparedQuery(
  [
    "id",
    "tenant_id",
    "environment_id",
    "type",
    "payload",
    "clock",
    "run_at",
    "max_attempts",
    "dedupe_key",
    "target",
    "correlation_id",
    "causation_id",
    "now",
  ],
  (db: Kysely<Database>, p) =>
    db
      .insertInto("jobs")
      .values({
        id: p.id,
        tenant_id: p.tenant_id,
        environment_id: p.environment_id,
        type: p.type,
        payload: p.payload,
        clock: p.clock as JobRow["clock"],
        run_at: p.run_at,
        status: "pending",
        attempts: 0,
        max_attempts: p.max_attempts as unknown as number,
        locked_by: null,
        locked_until: null,
        last_error: null,
        dedupe_key: p.dedupe_key,
        target: p.target,
        correlation_id: p.correlation_id,
        causation_id: p.causation_id,
        created_at: p.now,
        updated_at: p.now,
      })
      .onConflict((oc) => oc.column("dedupe_key").doNothing()),
);

export interface ClaimOptions {
  workerId: string;
  /** Real time: lock expiry and 'wall' jobs. */
  wallNow: string;
  lockUntil: string;
  limit: number;
  /** Only this environment's environment-clock jobs (a test-clock advance). */
  environmentId?: string;
  /** Skip jobs of these tenants, types and targets: the worker already runs its share of them. */
  skip?: { tenants?: readonly string[]; types?: readonly string[]; targets?: readonly string[] };
  /**
   * Only jobs that wait on no target, or only jobs that wait on one (each off its own index,
   * migration 2026-12-06-200); both when unset.
   */
  only?: "untargeted" | "targeted";
  /**
   * Only pending jobs that fell due at or after this instant (a look that read everything due
   * before it already): a seek to it instead of reading a capped target's whole backlog again. Test-clock
   * jobs ahead of the wall clock and expired leases are read in full; one due by a test clock
   * behind the wall clock (its run_at already passed) waits for the worker's next full look.
   */
  dueAfter?: string;
}

/** The literal predicates that match the two indexes of pending jobs (see `ClaimOptions.only`). */
const BY_TARGET = { untargeted: sql` and j.target is null`, targeted: sql` and j.target is not null` };

function notIn(column: string, values: readonly string[] | undefined, nullable: boolean) {
  if (!values?.length) return sql``;
  const list = sql.join(values.map((v) => sql`${v}`));
  const ref = sql.ref(`j.${column}`);
  return nullable ? sql` and (${ref} is null or ${ref} not in (${list}))` : sql` and ${ref} not in (${list})`;
}

/**
 * Claims due jobs and locks them for this worker. A job is due when its run_at has passed by its
 * clock: the wall clock, or its environment's test clock when one is set (the queue's own copy in
 * `job_clocks`, kept by `setJobClock`). A 'running' job whose
 * lock expired (its worker died) is due again. On Postgres, `FOR UPDATE SKIP LOCKED` lets any
 * number of workers claim concurrently without taking the same job; SQLite has one writer.
 *
 * Each kind of due job is read in (run_at, id) order off an index of pending (or running) jobs and
 * stops at the limit (migration 006), so a claim costs the same with a backlog of 100,000 as with
 * 10 (pending jobs off one of two indexes, by whether they wait on a target: `only`): wall-clock
 * jobs due by now; environment-clock jobs due by now, unless their environment's test clock is
 * behind them; jobs between now and a test clock that is ahead of it (clocks
 * first — `cross join` keeps SQLite from walking every future job instead); and expired locks.
 * The first `limit` of those, merged in order, are claimed.
 */
export async function claimDueJobs(db: Db, dialect: DialectName, o: ClaimOptions): Promise<JobRow[]> {
  const lock = dialect === "postgres" ? sql`for update of j skip locked` : sql``;
  const skip = sql`${notIn("tenant_id", o.skip?.tenants, true)}${notIn("type", o.skip?.types, false)}${notIn(
    "target",
    o.skip?.targets,
    true,
  )}`;
  const now = o.wallNow;
  const limit = o.limit;
  const kinds = o.only ? [BY_TARGET[o.only]] : [BY_TARGET.untargeted, BY_TARGET.targeted];
  const after = o.dueAfter ? sql` and j.run_at >= ${o.dueAfter}` : sql``;
  // One part per kind of due job, and per index of pending jobs: the planner uses a partial index
  // only when the query states its predicate.
  const part = (select: RawBuilder<unknown>, where: RawBuilder<unknown>, pending: boolean) =>
    sql.join(
      (pending ? kinds : [o.only ? BY_TARGET[o.only] : sql``]).map(
        (kind) =>
          sql`select * from (${select} where ${where}${kind}${skip} order by j.run_at, j.id limit ${limit} ${lock}) p`,
      ),
      sql` union all `,
    );
  const pendingJobs = sql`select j.id, j.run_at from jobs j`;
  const withClock = sql`select j.id, j.run_at from jobs j left join job_clocks c on c.environment_id = j.environment_id`;
  const candidates = o.environmentId
    ? sql.join(
        [
          part(
            pendingJobs,
            sql`j.environment_id = ${o.environmentId} and j.status = 'pending' and j.clock = 'environment'
          and j.run_at <= coalesce((select c.clock_at from job_clocks c where c.environment_id = ${o.environmentId}), ${now})`,
            false,
          ),
          part(
            withClock,
            sql`j.status = 'running' and j.locked_until < ${now}
          and j.environment_id = ${o.environmentId} and j.clock = 'environment'
          and j.run_at <= coalesce(c.clock_at, ${now})`,
            false,
          ),
        ],
        sql` union all `,
      )
    : sql.join(
        [
          part(pendingJobs, sql`j.status = 'pending' and j.clock = 'wall' and j.run_at <= ${now}${after}`, true),
          part(
            withClock,
            sql`j.status = 'pending' and j.clock = 'environment' and j.run_at <= ${now}${after}
          and (c.clock_at is null or j.run_at <= c.clock_at)`,
            true,
          ),
          part(
            sql`select j.id, j.run_at from job_clocks c cross join jobs j`,
            sql`c.clock_at > ${now} and j.environment_id = c.environment_id and j.status = 'pending' and j.clock = 'environment'
          and j.run_at > ${now} and j.run_at <= c.clock_at`,
            true,
          ),
          part(
            withClock,
            sql`j.status = 'running' and j.locked_until < ${now}
          and ((j.clock = 'wall' and j.run_at <= ${now})
            or (j.clock = 'environment' and j.run_at <= coalesce(c.clock_at, ${now})))`,
            false,
          ),
        ],
        sql` union all `,
      );
  const result = await sql<JobRow>`
    update jobs set status = 'running', locked_by = ${o.workerId}, locked_until = ${o.lockUntil},
      attempts = attempts + 1, updated_at = ${now}
    where id in (select c.id from (${candidates}) c order by c.run_at, c.id limit ${limit})
    returning *`.execute(db);
  return result.rows.sort((a, b) => (a.run_at === b.run_at ? (a.id < b.id ? -1 : 1) : a.run_at < b.run_at ? -1 : 1));
}

const jobDone = preparedQuery(["id", "worker", "now"], (db: Kysely<Database>, p) =>
  db
    .updateTable("jobs")
    .set({ status: "done", locked_by: null, locked_until: null, updated_at: p.now })
    .where("id", "=", p.id)
    .where("locked_by", "=", p.worker),
);

/** Marks a job done, only if this worker still holds it. */
export async function completeJob(db: Db, job: JobRow, workerId: string, now: string): Promise<boolean> {
  const r = await jobDone(db, { id: job.id, worker: workerId, now });
  return Number(r.numAffectedRows) > 0;
}

/**
 * The heartbeat of a live worker: pushes the lease of the jobs it still runs to `lockUntil`, so a
 * job longer than the lease is never taken over under it. Returns the ids it still holds (a job
 * missing from them was taken over after this worker stalled past its lease).
 */
export async function renewLeases(
  db: Db,
  workerId: string,
  ids: readonly string[],
  lockUntil: string,
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .updateTable("jobs")
    .set({ locked_until: lockUntil })
    .where("status", "=", "running")
    .where("locked_by", "=", workerId)
    .where("id", "in", ids)
    .returning("id")
    .execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * Hands jobs back unfinished (a shutdown): pending again at their own run_at, so due at once for
 * the next worker, and the claim's attempt is given back, since the job did not fail.
 */
export async function releaseJobs(db: Db, workerId: string, ids: readonly string[], now: string): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db
    .updateTable("jobs")
    .set((eb) => ({
      status: "pending",
      locked_by: null,
      locked_until: null,
      attempts: eb("attempts", "-", 1),
      updated_at: now,
    }))
    .where("status", "=", "running")
    .where("locked_by", "=", workerId)
    .where("id", "in", ids)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * An error a handler throws to say "not now, and not my fault" (safe mode holds charges): the job
 * goes back to the queue for `deferMs` with its attempt returned, so waiting never kills it.
 */
export interface Deferral extends Error {
  deferMs: number;
  /** Marks the job so whoever lifts the hold can release it early (e.g. "safe_mode"). */
  deferredBy: string;
}

export function isDeferral(error: unknown): error is Deferral {
  return error instanceof Error && typeof (error as Partial<Deferral>).deferMs === "number";
}

export const DEFERRED_PREFIX = "deferred:";

export async function deferJob(db: Db, job: JobRow, workerId: string, error: Deferral, wallNow: Date): Promise<void> {
  const from = job.clock === "environment" ? Math.max(Date.parse(job.run_at), wallNow.getTime()) : wallNow.getTime();
  await db
    .updateTable("jobs")
    .set((eb) => ({
      status: "pending",
      run_at: new Date(from + error.deferMs).toISOString(),
      attempts: eb("attempts", "-", 1),
      locked_by: null,
      locked_until: null,
      last_error: `${DEFERRED_PREFIX}${error.deferredBy}: ${error.message}`.slice(0, 2000),
      updated_at: wallNow.toISOString(),
    }))
    .where("id", "=", job.id)
    .where("locked_by", "=", workerId)
    .execute();
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
  // Pending and running each off their own index (migration 006): the first pending is one step.
  const { rows } = await sql<{ run_at: string | null }>`
    select min(x.run_at) as run_at from (
      select min(run_at) as run_at from jobs
      where environment_id = ${environmentId} and status = 'pending' and clock = 'environment' and run_at <= ${until}
      union all
      select min(run_at) as run_at from jobs
      where status = 'running' and environment_id = ${environmentId} and clock = 'environment' and run_at <= ${until}
    ) x`.execute(db);
  return rows[0]?.run_at ?? undefined;
}

/**
 * Frees a running job's dedupe key: from now on the same key enqueues a new job instead of joining
 * this one (which may already be past the point the new need is about).
 */
export async function releaseDedupeKey(db: Db, jobId: string): Promise<void> {
  await db.updateTable("jobs").set({ dedupe_key: null }).where("id", "=", jobId).execute();
}

// The fan-out kick runs it after most jobs: compiled once.
const updateRunAtIfLater = preparedQuery(["runAt", "key"], (db: Db, p) =>
  db
    .updateTable("jobs")
    .set({ run_at: p.runAt })
    .where("dedupe_key", "=", p.key)
    .where("status", "=", "pending")
    .where("run_at", ">", p.runAt),
);

/**
 * Brings a pending job forward to `runAt` (never back), found by its dedupe key: for news that
 * makes scheduled work due now (a provider webhook about a payment billing checks later).
 */
export async function expediteJob(db: Db, dedupeKey: string, runAt: string): Promise<boolean> {
  const result = await updateRunAtIfLater(db, { runAt, key: dedupeKey });
  return Number(result.numAffectedRows ?? 0) > 0;
}
