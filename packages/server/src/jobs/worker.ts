import { hostname } from "node:os";
import type { Deps, Scope } from "../context.js";
import type { JobRow } from "../db/types.js";
import { randomSecret } from "../lib/crypto.js";
import { fromJson } from "../lib/json.js";
import { claimDueJobs, completeJob, failJob } from "./queue.js";

export interface JobContext {
  job: JobRow;
  payload: unknown;
  /** The job's tenant + environment with its clock, when the job is scoped. */
  scope: Scope | undefined;
}

/**
 * Handlers must be idempotent: the queue delivers at least once (a worker can die after the
 * handler's transaction committed but before the job was marked done).
 */
export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface WorkerOptions {
  deps: Deps;
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

  async function runJob(job: JobRow): Promise<void> {
    const handler = o.handlers()[job.type];
    const wallNow = deps.clock.now();
    if (!handler) {
      await failJob(
        deps.db,
        { ...job, attempts: job.max_attempts },
        id,
        new Error(`no handler for job type ${job.type}`),
        wallNow,
      );
      return;
    }
    try {
      const scope = job.environment_id ? await o.scopeOf(job.environment_id) : undefined;
      await handler({ job, payload: fromJson(job.payload, {}), scope });
      await completeJob(deps.db, job, id, deps.clock.now().toISOString());
    } catch (error) {
      const outcome = await failJob(deps.db, job, id, error, deps.clock.now());
      deps.logger.warn({ err: error, job: job.id, type: job.type, attempts: job.attempts, outcome }, "job failed");
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
      for (const job of jobs) {
        await runJob(job);
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
