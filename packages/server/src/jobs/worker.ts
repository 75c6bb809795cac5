import { hostname } from "node:os";
import type { Deps, Scope } from "../context.js";
import type { Db, JobRow } from "../db/types.js";
import { randomSecret } from "../lib/crypto.js";
import { fromJson } from "../lib/json.js";
import { claimDueJobs, completeJob, failJob } from "./queue.js";

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
   * A read shared by the jobs claimed in the same batch (settings many of them need, such as a
   * storefront's payment routing): `load` runs for the first job that asks for `key`, and the
   * others get its result. Only for what is read, never for rows the job decides on.
   */
  shared: Shared;
}

export type Shared = <T>(key: string, load: () => Promise<T>) => Promise<T>;

/**
 * Handlers must be idempotent: the queue delivers at least once (a worker can die after the
 * handler's transaction committed but before the job was marked done).
 */
export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface WorkerOptions {
  deps: Deps;
  /** After each job that ran (its writes committed): the events module kicks its fan-out here. */
  afterJob?: (scope: Scope) => Promise<void>;
  handlers: () => Record<string, JobHandler>;
  scopeOf: (environmentId: string) => Promise<Scope | undefined>;
  workerId?: string;
  batchSize?: number;
  pollMs?: number;
  lockMs?: number;
}

export interface Worker {
  readonly id: string;
  /** Claims and runs due jobs until none are left (or `maxJobs`); returns how many ran. */
  drain(options?: { environmentId?: string; maxJobs?: number }): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createWorker(o: WorkerOptions): Worker {
  const { deps } = o;
  const id = o.workerId ?? `${hostname()}:${process.pid}:${randomSecret(4)}`;
  const batchSize = o.batchSize ?? 50;
  const lockMs = o.lockMs ?? 5 * 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  /**
   * Reads shared by the jobs claimed together (see JobContext.shared): each is made once per batch.
   * The batch's jobs were found due by the clocks read at its claim, so each runs at its
   * environment's clock as read for the batch (a test clock moved meanwhile applies from the next).
   */
  function batchMemo(): Shared {
    const values = new Map<string, unknown>();
    return async <T>(key: string, load: () => Promise<T>): Promise<T> => {
      if (values.has(key)) return values.get(key) as T;
      const value = await load();
      values.set(key, value);
      return value;
    };
  }

  async function runJob(job: JobRow, shared: Shared): Promise<void> {
    const handler = o.handlers()[job.type];
    if (!handler) {
      await failJob(
        deps.db,
        { ...job, attempts: job.max_attempts },
        id,
        new Error(`no handler for job type ${job.type}`),
        deps.clock.now(),
      );
      return;
    }
    try {
      const env = job.environment_id;
      const base = env ? await shared(`scope:${env}`, () => o.scopeOf(env)) : undefined;
      // Lineage: the job acts as the system, continues the correlation of whatever scheduled it
      // (or starts its own), and was caused by its scheduler's cause, else by itself.
      const correlationId = job.correlation_id ?? job.id;
      const scope: Scope | undefined = base && {
        ...base,
        actor: { type: "system", id: job.type },
        correlationId,
        causationId: job.causation_id ?? job.id,
        // The job's lines carry its lineage like a request's (context.ts, Scope.logger).
        logger: deps.logger.child({
          job_id: job.id,
          job_type: job.type,
          correlation_id: correlationId,
          tenant: base.tenantId,
          environment: base.environment,
          actor: `system:${job.type}`,
        }),
      };
      let completed = false;
      await handler({
        job,
        payload: fromJson(job.payload, {}),
        scope,
        shared,
        async complete(tx) {
          await completeJob(tx, job, id, deps.clock.now().toISOString());
          completed = true;
        },
      });
      if (!completed) await completeJob(deps.db, job, id, deps.clock.now().toISOString());
      scope?.logger?.debug({ attempts: job.attempts }, "job done");
      if (scope && o.afterJob)
        await o.afterJob(scope).catch((error) => deps.logger.warn({ err: error }, "after-job hook failed"));
    } catch (error) {
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

  async function drain(options: { environmentId?: string; maxJobs?: number } = {}): Promise<number> {
    let ran = 0;
    const max = options.maxJobs ?? Number.POSITIVE_INFINITY;
    while (ran < max) {
      const wallNow = deps.clock.now();
      const jobs = await claimDueJobs(deps.db, deps.dialect, {
        workerId: id,
        wallNow: wallNow.toISOString(),
        lockUntil: new Date(wallNow.getTime() + lockMs).toISOString(),
        limit: Math.min(batchSize, max - ran),
        ...(options.environmentId ? { environmentId: options.environmentId } : {}),
      });
      if (jobs.length === 0) break;
      const shared = batchMemo();
      for (const job of jobs) {
        await runJob(job, shared);
        ran++;
      }
    }
    return ran;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = drain()
        .catch((error) => deps.logger.error({ err: error }, "worker loop failed"))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, o.pollMs ?? 1000);
    timer.unref?.();
  }

  return {
    id,
    drain,
    start() {
      if (!stopped) return;
      stopped = false;
      deps.logger.info({ worker: id }, "worker started");
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
