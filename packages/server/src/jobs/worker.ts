import { hostname } from "node:os";
import { type Deps, loggerAt, type Scope, withLazyLogger } from "../context.js";
import type { DialectName } from "../db/connect.js";
import { unavailableCause } from "../db/errors.js";
import type { Db, JobRow } from "../db/types.js";
import { randomSecret } from "../lib/crypto.js";
import { fromJson } from "../lib/json.js";
import { Pool, type PoolLimits } from "./pool.js";
import { claimDueJobs, completeJob, deferJob, failJob, isDeferral, releaseJobs, renewLeases } from "./queue.js";

export interface JobContext {
  job: JobRow;
  payload: unknown;
  /** The job's tenant + environment with its clock, when the job is scoped. */
  scope: Scope | undefined;
  /**
   * Marks the job done in the handler's own transaction, as its last statement there, so the
   * change and the job's completion commit together; the worker then writes nothing after the
   * handler returns. Without it the worker marks the job done once the handler has returned.
   */
  complete(tx: Db): Promise<void>;
  /**
   * A read shared by jobs claimed close together (settings many of them need, such as a
   * storefront's payment routing): `load` runs for the first job that asks for `key`, and the
   * next jobs get its result, until the worker has started `batchSize` jobs under it (then the
   * next job reads afresh). Only for what is read, never for rows the job decides on.
   */
  shared: Shared;
  /** Aborted when the worker shuts down: a handler that can stop early (and be re-run) may. */
  signal: AbortSignal;
}

export type Shared = <T>(key: string, load: () => Promise<T>) => Promise<T>;

/**
 * Handlers must be idempotent: the queue delivers at least once (a worker can die after the
 * handler's transaction committed but before the job was marked done).
 */
export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface WorkerTuning extends Partial<PoolLimits> {
  /** Most jobs claimed in one round, and how many jobs share one `JobContext.shared` memo. */
  batchSize?: number;
  pollMs?: number;
  /** How long a claim lives without a heartbeat: a dead worker's jobs are taken over after it. */
  leaseMs?: number;
  /** @deprecated the lease: `leaseMs` (kept for TESSERA_WORKER_LOCK_MS / --lock-ms). */
  lockMs?: number;
  /** How often a live worker renews its leases; a third of the lease by default. */
  heartbeatMs?: number;
}

export interface WorkerOptions extends WorkerTuning {
  deps: Deps;
  /** After each job that ran (its writes committed): the events module kicks its fan-out here. */
  afterJob?: (scope: Scope) => Promise<void>;
  handlers: () => Record<string, JobHandler>;
  scopeOf: (environmentId: string) => Promise<Scope | undefined>;
  workerId?: string;
}

export interface Worker {
  readonly id: string;
  /** Claims and runs due jobs until none are left (or `maxJobs` ran); returns how many ran. */
  drain(options?: { environmentId?: string; maxJobs?: number }): Promise<number>;
  start(): void;
  /**
   * Stops claiming; running jobs get `graceMs` to finish (default: as long as they take), then
   * the unfinished ones are released (due at once for the next worker, their attempt not counted).
   */
  stop(options?: { graceMs?: number }): Promise<{ released: number }>;
}

export const DEFAULT_LEASE_MS = 30_000;
/**
 * Jobs a worker runs at once unless configured. On Postgres each may hold a connection, and the
 * pool is sized to the worker (runtime.ts): a few instances at 8 stay under Postgres's default of
 * 100 connections. On SQLite jobs share the one connection, and more in flight make larger commit
 * groups (db/sqlite-group-commit.ts: ≈ a quarter off a renewal at 32) and more throughput against
 * a slow PSP.
 */
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_SQLITE_CONCURRENCY = 32;

export function defaultConcurrency(dialect: DialectName): number {
  return dialect === "sqlite" ? DEFAULT_SQLITE_CONCURRENCY : DEFAULT_CONCURRENCY;
}
export const DEFAULT_TARGET_CONCURRENCY = 4;

/**
 * Caps per kind of target unless configured: one PSP of a storefront may use three quarters of the
 * worker (renewals are bound by its latency; a hanging PSP still leaves a quarter to everything
 * else), one channel vendor half; webhook endpoints keep the general `perTarget` (a few at once).
 */
/**
 * How soon a claim that found nothing outside capped targets is tried again with the same caps:
 * 100 ms, doubling while such looks keep finding nothing, up to a second.
 */
const RECLAIM_MIN_MS = 100;
const RECLAIM_MAX_MS = 1000;
/**
 * While the same targets stay capped, a look for other targets' work reads only what fell due
 * since the last look; every so often it reads the whole backlog again, for jobs that went back
 * to pending at a time already passed (a released lease, a retry enqueued into the past).
 */
const FULL_LOOK_MS = 10_000;
const LOOK_OVERLAP_MS = 1000;

export function defaultTargetKindLimits(concurrency: number): Record<string, number> {
  return { psp: Math.max(1, Math.ceil((concurrency * 3) / 4)), channel: Math.max(1, Math.ceil(concurrency / 2)) };
}

export function createWorker(o: WorkerOptions): Worker {
  const { deps } = o;
  const id = o.workerId ?? `${hostname()}:${process.pid}:${randomSecret(4)}`;
  const batchSize = o.batchSize ?? 50;
  const leaseMs = o.leaseMs ?? o.lockMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = o.heartbeatMs ?? Math.max(10, Math.floor(leaseMs / 3));
  const concurrency = Math.max(1, o.concurrency ?? defaultConcurrency(deps.dialect));
  const pool = new Pool<Shared>({
    concurrency,
    perType: o.perType ?? {},
    perTarget: o.perTarget ?? DEFAULT_TARGET_CONCURRENCY,
    perTargetKind: { ...defaultTargetKindLimits(concurrency), ...o.perTargetKind },
    perTenant: o.perTenant ?? Math.max(1, Math.ceil(concurrency / 2)),
  });
  const shutdown = new AbortController();
  /** The skip set of the last claim that found all due work outside it claimed, and when. */
  let exhausted: { skip: string; at: number; wait: number } | undefined;
  /** The skip set of the last look past capped targets' backlogs that left room, and when. */
  let scanned: { skip: string; full: number; through: string } | undefined;
  const at = (skip: { tenants: string[]; types: string[]; targets: string[] }) => ({
    skip: `${skip.types.sort().join(",")}|${skip.targets.sort().join(",")}`,
    at: performance.now(),
  });
  let loop: Promise<void> | undefined;
  let wakeLoop: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  /** A memo for the jobs of one claim round (see JobContext.shared). */
  function roundMemo(): Shared {
    const values = new Map<string, Promise<unknown>>();
    return <T>(key: string, load: () => Promise<T>): Promise<T> => {
      let value = values.get(key) as Promise<T> | undefined;
      if (!value) {
        value = load();
        values.set(key, value);
        // A failed read is not remembered: the next job tries again.
        value.catch(() => values.delete(key));
      }
      return value;
    };
  }

  async function runJob(job: JobRow, shared: Shared): Promise<void> {
    const handler = o.handlers()[job.type];
    if (!handler) {
      const error = new Error(`no handler for job type ${job.type}`);
      await failJob(deps.db, { ...job, attempts: job.max_attempts }, id, error, deps.clock.now());
      return;
    }
    try {
      const env = job.environment_id;
      const base = env ? await shared(`scope:${env}`, () => o.scopeOf(env)) : undefined;
      // Lineage: the job acts as the system, continues the correlation of whatever scheduled it
      // (or starts its own), and was caused by its scheduler's cause, else by itself.
      const correlationId = job.correlation_id ?? job.id;
      const scope: Scope | undefined =
        base &&
        withLazyLogger(
          base,
          { actor: { type: "system", id: job.type }, correlationId, causationId: job.causation_id ?? job.id },
          // The job's lines carry its lineage like a request's (context.ts, Scope.logger).
          () =>
            deps.logger.child({
              job_id: job.id,
              job_type: job.type,
              correlation_id: correlationId,
              tenant: base.tenantId,
              environment: base.environment,
              actor: `system:${job.type}`,
            }),
        );
      let completed = false;
      await handler({
        job,
        payload: fromJson(job.payload, {}),
        scope,
        shared,
        signal: shutdown.signal,
        async complete(tx) {
          await completeJob(tx, job, id, deps.clock.now().toISOString());
          completed = true;
        },
      });
      if (!completed) await completeJob(deps.db, job, id, deps.clock.now().toISOString());
      if (scope) loggerAt(deps, scope, "debug")?.debug({ attempts: job.attempts }, "job done");
      if (scope && o.afterJob)
        await o.afterJob(scope).catch((error) => deps.logger.warn({ err: error }, "after-job hook failed"));
    } catch (error) {
      // The database went away under the job: that is no fault of the job, so it goes back to the
      // queue with its attempt returned (an outage must not use up a renewal's retries). If even
      // that write fails, its lease runs out and another worker takes it over.
      if (unavailableCause(error)) {
        const released = await releaseJobs(deps.db, id, [job.id], deps.clock.now().toISOString()).catch(() => 0);
        deps.logger.warn(
          { err: error, job: job.id, type: job.type, released },
          "job interrupted: database unavailable",
        );
        return;
      }
      if (isDeferral(error)) {
        await deferJob(deps.db, job, id, error, deps.clock.now());
        deps.logger.info({ job: job.id, type: job.type, reason: error.message }, "job deferred");
        return;
      }
      const outcome = await failJob(deps.db, job, id, error, deps.clock.now());
      deps.logger.warn(
        {
          err: error,
          job: job.id,
          type: job.type,
          attempts: job.attempts,
          outcome,
          correlation_id: job.correlation_id,
        },
        "job failed",
      );
    }
  }

  /** Renews the leases of every held job while any is held, so none expires under a live worker. */
  function beat() {
    if (heartbeat || pool.ids().length === 0) return;
    heartbeat = setInterval(() => {
      const ids = pool.ids();
      if (ids.length === 0) {
        clearInterval(heartbeat);
        heartbeat = undefined;
        return;
      }
      const until = new Date(deps.clock.now().getTime() + leaseMs).toISOString();
      renewLeases(deps.db, id, ids, until)
        .then((held) => {
          const lost = ids.filter((j) => !held.has(j) && pool.ids().includes(j));
          if (lost.length) deps.logger.warn({ worker: id, jobs: lost }, "lease lost: jobs finished or taken over");
        })
        .catch((error) => deps.logger.error({ err: error, worker: id }, "lease renewal failed"));
    }, heartbeatMs);
    heartbeat.unref?.();
  }

  /**
   * One claim round: up to a batch of due jobs, skipping types and targets that already hold
   * their cap here. Tenants holding their share are skipped first, so another tenant's due job
   * is claimed in this round; only if that leaves room does the round take more of theirs.
   *
   * While a target holds its cap, its due backlog lies across the index of targeted jobs, and a
   * look for other targets' work reads all of it: untargeted jobs (fan-out, consumers, most
   * housekeeping) are then claimed off their own index first, every round, and the look past the
   * backlog reads it in full only now and then (`scanned`, FULL_LOOK_MS).
   */
  async function claimRound(environmentId: string | undefined, max: number): Promise<number> {
    const want = Math.min(Math.max(batchSize, concurrency), max);
    if (want <= 0) return 0;
    const wallNow = deps.clock.now();
    const base = {
      workerId: id,
      wallNow: wallNow.toISOString(),
      lockUntil: new Date(wallNow.getTime() + leaseMs).toISOString(),
      ...(environmentId ? { environmentId } : {}),
    };
    const skip = pool.saturated();
    const jobs: JobRow[] = [];
    let skipped = skip;
    /** Claims up to what the round still wants: other tenants first, then theirs too if room is left. */
    const look = async (only?: "untargeted" | "targeted", dueAfter?: string) => {
      const opts = { ...base, ...(only ? { only } : {}), ...(dueAfter ? { dueAfter } : {}) };
      jobs.push(...(await claimDueJobs(deps.db, deps.dialect, { ...opts, limit: want - jobs.length, skip })));
      if (jobs.length < want && skip.tenants.length > 0) {
        skipped = { ...skip, tenants: [] };
        jobs.push(
          ...(await claimDueJobs(deps.db, deps.dialect, { ...opts, limit: want - jobs.length, skip: skipped })),
        );
      }
    };
    if (skip.targets.length === 0) await look();
    else {
      await look("untargeted");
      const now = at(skip);
      if (jobs.length < want) {
        // Read in full once per skip set and every FULL_LOOK_MS; in between, only what fell due since.
        const full = !scanned || scanned.skip !== now.skip || now.at - scanned.full >= FULL_LOOK_MS;
        await look("targeted", full ? undefined : scanned?.through);
        // A job that commits a little after its run_at (a transaction still open during this look)
        // falls due inside the overlap, so the next look still reads it.
        const through = new Date(wallNow.getTime() - LOOK_OVERLAP_MS).toISOString();
        scanned = { skip: now.skip, full: full ? now.at : scanned!.full, through };
      }
    }
    // Everything due outside the capped targets and types is claimed: the same claim again would
    // read past every job of those targets to find nothing (see wantsMore).
    if (jobs.length < want && skipped.targets.length + skipped.types.length > 0) {
      // Found nothing new again under the same caps: look less often (a long backlog makes each look cost).
      const again = exhausted && jobs.length === 0 ? Math.min(exhausted.wait * 2, RECLAIM_MAX_MS) : RECLAIM_MIN_MS;
      exhausted = { ...at(skipped), wait: again };
    } else exhausted = undefined;
    if (shutdown.signal.aborted) {
      // Claimed while the worker was being stopped: straight back to the queue.
      await releaseJobs(
        deps.db,
        id,
        jobs.map((j) => j.id),
        deps.clock.now().toISOString(),
      );
      return 0;
    }
    const memo = roundMemo();
    for (const job of jobs) pool.add(job, memo);
    beat();
    return jobs.length;
  }

  /**
   * Claim again when the ready jobs run low, or when slots are free that they cannot fill (they
   * wait on a capped type or target): then the claim skips those and finds other work.
   */
  function wantsMore(): boolean {
    startReady();
    if (pool.ready >= concurrency && pool.running >= concurrency) return false;
    if (!exhausted) return true;
    // The last claim found nothing more outside the capped targets and types. Claim again once one
    // of them has room (the skip set changes), or after a short while (new work may have come):
    // not after every finished job, which made a claim per job scan a PSP's whole backlog.
    const now = at(pool.saturated());
    return now.skip !== exhausted.skip || now.at - exhausted.at >= exhausted.wait;
  }

  function startReady(): number {
    // A stopping worker starts nothing more: what it holds goes back to the queue.
    if (shutdown.signal.aborted) return 0;
    return pool.startReady(({ job, memo }) =>
      runJob(job, memo).catch((error) => deps.logger.error({ err: error, job: job.id }, "job outcome not saved")),
    );
  }

  async function drain(options: { environmentId?: string; maxJobs?: number } = {}): Promise<number> {
    const max = options.maxJobs ?? Number.POSITIVE_INFINITY;
    let ran = 0;
    while (!shutdown.signal.aborted) {
      let claimed = 0;
      // An empty claim says "nothing more is due" only if no job ran while it looked: one that
      // finished meanwhile may have committed follow-up work after the claim read the queue (on
      // Postgres, the claim's snapshot), and a drain that stopped there left it behind.
      const quiet = pool.running === 0 && pool.ready === 0;
      if (wantsMore() && ran < max) {
        claimed = await claimRound(options.environmentId, max - ran);
        ran += claimed;
      }
      startReady();
      if (pool.running === 0 && pool.ready === 0 && ((claimed === 0 && quiet) || ran >= max)) break;
      // Full, or nothing more due until a running job finishes (it may schedule more): wait for one.
      if (claimed === 0 || pool.running >= concurrency) await pool.next();
    }
    while (pool.running > 0) await pool.next();
    return ran;
  }

  async function background(): Promise<void> {
    const basePollMs = o.pollMs ?? 1000;
    let pollMs = basePollMs;
    while (!shutdown.signal.aborted) {
      let claimed = 0;
      if (wantsMore()) {
        try {
          claimed = await claimRound(undefined, Number.POSITIVE_INFINITY);
          pollMs = basePollMs;
        } catch (error) {
          // During an outage, poll less and less often (up to 30 s) instead of logging every second.
          deps.logger.error({ err: error, worker: id, retry_ms: pollMs }, "claiming jobs failed");
          pollMs = Math.min(30_000, Math.max(basePollMs, pollMs * 2));
        }
      }
      startReady();
      if (shutdown.signal.aborted) break;
      if (claimed > 0 && pool.running < concurrency) continue;
      // Idle or full: wait for a running job to finish, or the next poll.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeLoop = resolve;
        if (pool.running > 0)
          pool.next().then(() => {
            clearTimeout(timer);
            resolve();
          });
      });
      wakeLoop = undefined;
    }
  }

  return {
    id,
    drain,
    start() {
      if (loop || shutdown.signal.aborted) return;
      deps.logger.info({ worker: id, concurrency, leaseMs }, "worker started");
      loop = background().catch((error) => deps.logger.error({ err: error }, "worker loop failed"));
    },
    async stop(options = {}) {
      shutdown.abort();
      wakeLoop?.();
      await loop;
      const now = () => deps.clock.now().toISOString();
      // Claimed but not started: handed back at once.
      let released = await releaseJobs(deps.db, id, pool.drop(), now());
      const graceMs = options.graceMs ?? Number.POSITIVE_INFINITY;
      if (graceMs === Number.POSITIVE_INFINITY) await pool.settled();
      else if (pool.running > 0 && graceMs > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([pool.settled(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
        clearTimeout(timer);
      }
      const left = pool.ids();
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      released += await releaseJobs(deps.db, id, left, now());
      if (left.length) deps.logger.info({ worker: id, released }, "worker stopped; unfinished jobs released");
      return { released };
    },
  };
}
