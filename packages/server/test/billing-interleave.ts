import type { Kysely } from "kysely";
import type { Scope } from "../src/context.js";
import type { Database, JobRow } from "../src/db/types.js";
import { completeJob } from "../src/jobs/queue.js";
import type { JobContext } from "../src/jobs/worker.js";
import type { PaymentProvider } from "../src/modules/payments/provider.js";
import { sandboxProvider } from "../src/modules/payments/providers/sandbox.js";
import type { TestContext } from "./harness.js";

/*
 * Deterministic interleavings of billing work inside one process, so the guards of the charge
 * path can be tested on SQLite as well as Postgres (no reliance on real parallelism):
 *
 * - `gatedSandbox`: the real sandbox provider (its own books, its idempotency), under another
 *   name, where a test can hold the next call of an operation at a gate: before the provider sees
 *   it ("the request is still on the wire") or after it processed it ("the answer is lost"). A
 *   call held forever is a process that died there.
 * - `runJob`: runs one job's handler as a given worker would, after that worker claimed it. The
 *   handler's `complete(tx)` is the queue's own; nothing marks the job done after the handler
 *   returns, so a test sees exactly what the handler committed (as if the worker died right after).
 */

export interface Hold {
  /** Resolves when the held call reached the gate. */
  reached: Promise<void>;
  /** Lets the held call go on. */
  release(): void;
}

type Gated = "charge" | "retrieve" | "refund";

export function gatedSandbox(db: Kysely<Database>, name = "sandbox_gate") {
  const inner = sandboxProvider(db, name);
  const holds: Array<{ op: Gated; when: "before" | "after"; arrive(): void; released: Promise<void> }> = [];

  async function gated<T>(op: Gated, call: () => Promise<T>): Promise<T> {
    const i = holds.findIndex((h) => h.op === op);
    if (i < 0) return call();
    const [h] = holds.splice(i, 1);
    if (h!.when === "before") {
      h!.arrive();
      await h!.released;
      return call();
    }
    const result = await call();
    h!.arrive();
    await h!.released;
    return result;
  }

  const provider: PaymentProvider = {
    ...inner,
    name,
    authorize: (ctx, r) => inner.authorize(ctx, r),
    capture: (ctx, r) => inner.capture(ctx, r),
    refund: (ctx, r) => gated("refund", () => inner.refund(ctx, r)),
    charge: (ctx, r) => gated("charge", () => inner.charge(ctx, r)),
    retrieve: (ctx, r) => gated("retrieve", () => inner.retrieve(ctx, r)),
  };

  return {
    provider,
    /** Holds the next call of `op`, `before` the provider processes it or `after`. */
    hold(op: Gated, when: "before" | "after"): Hold {
      let arrive!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => {
        arrive = r;
      });
      const released = new Promise<void>((r) => {
        release = r;
      });
      holds.push({ op, when, arrive, released });
      return { reached, release };
    },
  };
}

/** The newest job of `type` whose payload names `needle` (a subscription or payment id). */
export async function findJob(ctx: TestContext, type: string, needle: string): Promise<JobRow> {
  const rows = await ctx.deps.db
    .selectFrom("jobs")
    .selectAll()
    .where("type", "=", type)
    .where("payload", "like", `%${needle}%`)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
  if (!rows[0]) throw new Error(`no ${type} job for ${needle}`);
  return rows[0];
}

/** Claims `job` for `worker` (taking it over from whoever held it: their lock expired). */
export async function claimAs(ctx: TestContext, job: JobRow, worker: string): Promise<JobRow> {
  await ctx.deps.db
    .updateTable("jobs")
    .set({ status: "running", locked_by: worker, attempts: job.attempts + 1 })
    .where("id", "=", job.id)
    .execute();
  return { ...job, status: "running", locked_by: worker, attempts: job.attempts + 1 };
}

/** Runs `job`'s handler as `worker` would after claiming it, with the environment's current scope. */
export async function runJob(
  ctx: TestContext,
  job: JobRow,
  worker: string,
  options: { shared?: JobContext["shared"] } = {},
): Promise<void> {
  const claimed = await claimAs(ctx, job, worker);
  const scope: Scope | undefined = job.environment_id
    ? await ctx.services.tenancy.scopeForEnvironment(job.environment_id)
    : undefined;
  const handler = ctx.services.jobs.handlers()[job.type];
  if (!handler) throw new Error(`no handler for ${job.type}`);
  const memo = new Map<string, unknown>();
  await handler({
    job: claimed,
    payload: JSON.parse(claimed.payload),
    scope,
    signal: new AbortController().signal,
    shared:
      options.shared ??
      (async <T>(key: string, load: () => Promise<T>) => {
        if (!memo.has(key)) memo.set(key, await load());
        return memo.get(key) as T;
      }),
    async complete(tx) {
      await completeJob(tx, claimed, worker, ctx.deps.clock.now().toISOString());
    },
  });
}

export async function jobStatus(ctx: TestContext, id: string): Promise<string> {
  const row = await ctx.deps.db.selectFrom("jobs").select("status").where("id", "=", id).executeTakeFirstOrThrow();
  return row.status;
}
