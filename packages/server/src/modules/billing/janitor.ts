import type { Deps } from "../../context.js";
import { withSystemAccess } from "../../db/access.js";
import type { Db, JobRow, PaymentRow } from "../../db/types.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { JobContext, JobHandler } from "../../jobs/worker.js";
import { isoNow } from "../../lib/clock.js";
import type { PaymentsService } from "../payments/service.js";
import type { SubscriptionStore } from "../subscriptions/index.js";
import { SETTLE_JOB } from "./charge.js";
import { CHECK_JOB, type CheckPayload, DUNNING_JOB, PERIOD_END_JOB, pspTarget } from "./schedule.js";

/*
 * The payments janitor: the last line that keeps a payment from staying `pending` for ever.
 * A pending payment always has someone to finish it: the renewal or dunning job that reserved it
 * resumes it with the same idempotency key after a crash (charge.ts), an API request's
 * `payment.settle` gives back what it abandoned, billing's `payment.check` asks the provider about
 * an answer that was lost or `pending`. Each of those can run out of attempts (a provider down for
 * hours) and go `dead`. Every JANITOR_INTERVAL_MS a system sweep lists payments pending for longer
 * than STALE_AFTER_MS; for each, a job in its tenant's scope finds whether anyone still holds it
 * and, when nobody does, finishes it the way its holder would have:
 *  - held in flight by a dead renewal or dunning job: that job goes back in the queue and resumes
 *    its attempt with the same key, so the provider answers the charge it already made;
 *  - held by an API request that died, whose `payment.settle` is dead: the settle runs now;
 *  - not held (its answer was lost after sending, or the provider said `pending`): billing's check
 *    runs now, asking the provider by reference or by our idempotency key.
 * Nothing here sends a new charge: every path asks, or replays the original request's key.
 */

export const JANITOR_SWEEP_JOB = "payments.janitor_sweep";
export const JANITOR_JOB = "payment.janitor";
/** How often the sweep runs. */
export const JANITOR_INTERVAL_MS = 5 * 60_000;
/** Pending for longer than this (wall time since its last change) is looked at: well past the check's 15 minutes. */
export const STALE_AFTER_MS = 60 * 60_000;
/** Payments looked at per sweep; the rest wait for the next one. */
const SWEEP_LIMIT = 500;

const LIVE: ReadonlyArray<JobRow["status"]> = ["pending", "running"];

/** The jobs that may hold a payment: its check, its settle, and (in flight) its subscription's charge jobs. */
async function holders(db: Db, payment: PaymentRow, inFlight: boolean): Promise<JobRow[]> {
  const keyed = await db
    .selectFrom("jobs")
    .selectAll()
    .where("dedupe_key", "in", [`${CHECK_JOB}:${payment.id}`, `${SETTLE_JOB}:${payment.id}`])
    .execute();
  if (!inFlight || !payment.subscription_id) return keyed;
  const charging = await db
    .selectFrom("jobs")
    .selectAll()
    .where("environment_id", "=", payment.environment_id)
    .where("type", "in", [PERIOD_END_JOB, DUNNING_JOB])
    .where("payload", "like", `%"subscription":"${payment.subscription_id}"%`)
    .execute();
  return [...keyed, ...charging];
}

/** The charge job that reserved an in-flight payment: a renewal's id, or a dunning run's correlation, is the payment's. */
function reserver(jobs: JobRow[], payment: PaymentRow): JobRow | undefined {
  if (payment.correlation_id === null) return undefined;
  return jobs.find(
    (j) =>
      (j.type === PERIOD_END_JOB && j.id === payment.correlation_id) ||
      (j.type === DUNNING_JOB &&
        (JSON.parse(j.payload) as { correlation_id?: string | null }).correlation_id === payment.correlation_id),
  );
}

export function paymentsJanitor(
  deps: Deps,
  o: {
    payments: Pick<PaymentsService, "find" | "stalePending">;
    store: Pick<SubscriptionStore, "find">;
    jobs: JobRegistry;
    /** Billing's own handlers, run in the janitor's job when their job is dead. */
    check: JobHandler;
    settle: JobHandler;
  },
) {
  const { db, logger, clock } = deps;

  async function scheduleSweep(afterMs = 0): Promise<void> {
    const at = new Date(clock.now().getTime() + afterMs);
    await enqueueJob(db, isoNow(clock), {
      type: JANITOR_SWEEP_JOB,
      payload: {},
      runAt: at.toISOString(),
      clock: "wall",
      // One sweep per interval, however many processes schedule it.
      dedupeKey: `${JANITOR_SWEEP_JOB}:${Math.floor(at.getTime() / JANITOR_INTERVAL_MS)}`,
    });
  }

  /** Lists stale pending payments of every tenant and gives each a janitor job in its own scope. */
  async function sweep(): Promise<number> {
    const now = clock.now();
    const stale = await withSystemAccess(() => o.payments.stalePending(now, STALE_AFTER_MS, SWEEP_LIMIT));
    let scheduled = 0;
    for (const payment of stale) {
      const id = await enqueueJob(db, now.toISOString(), {
        type: JANITOR_JOB,
        payload: { payment: payment.id },
        runAt: now.toISOString(),
        clock: "wall",
        scope: { tenantId: payment.tenant_id, environmentId: payment.environment_id },
        // At most one per payment per STALE_AFTER_MS: a janitor job that itself dies is tried again later.
        dedupeKey: `${JANITOR_JOB}:${payment.id}:${Math.floor(now.getTime() / STALE_AFTER_MS)}`,
        target: pspTarget(payment),
        correlationId: payment.correlation_id,
      });
      if (id) scheduled++;
    }
    return scheduled;
  }

  /** What became of one stale payment (kept in the log; the tests read it too). */
  async function resolve(ctx: JobContext): Promise<string> {
    const { scope } = ctx;
    if (!scope) return "no scope";
    const paymentId = (ctx.payload as { payment: string }).payment;
    const payment = await o.payments.find(db, scope, paymentId);
    if (payment?.status !== "pending") return "not pending";
    const row = payment.subscription_id ? await o.store.find(db, scope, payment.subscription_id) : undefined;
    const inFlight = row?.inflight_payment_id === payment.id;
    const jobs = await holders(db, payment, inFlight);
    const live = jobs.filter((j) => LIVE.includes(j.status));
    const check = jobs.find((j) => j.dedupe_key === `${CHECK_JOB}:${payment.id}`);
    const settle = jobs.find((j) => j.dedupe_key === `${SETTLE_JOB}:${payment.id}`);
    if (inFlight) {
      const holder = settle ?? reserver(jobs, payment);
      if (holder && LIVE.includes(holder.status)) return `held by ${holder.type} ${holder.id}`;
      if (holder?.type === SETTLE_JOB) {
        await o.settle({ ...ctx, payload: { payment: payment.id } });
        return "settled (its API request died)";
      }
      if (holder?.status === "dead") {
        // Back in the queue, with its attempts counted afresh: it resumes the attempt with the same key.
        await db
          .updateTable("jobs")
          // An environment-clock job was due by its own clock already: it stays due.
          .set({
            status: "pending",
            attempts: 0,
            run_at: holder.clock === "wall" ? isoNow(clock) : holder.run_at,
            updated_at: isoNow(clock),
          })
          .where("id", "=", holder.id)
          .where("status", "=", "dead")
          .execute();
        logger.warn({ payment: payment.id, job: holder.id }, "janitor: put a dead charge job back in the queue");
        return `revived ${holder.type} ${holder.id}`;
      }
      // Nobody can be found to resume it: an operator must look (the payment stays pending, nothing is charged).
      logger.error({ payment: payment.id, subscription: row?.id }, "janitor: in-flight payment without a charge job");
      throw new Error(`payment ${payment.id} is in flight without a job to resume it`);
    }
    if (check && LIVE.includes(check.status)) return `held by ${CHECK_JOB} ${check.id}`;
    // A settle acts only on what is in flight, or on a charge with no subscription to hold it.
    if (!row && live.some((j) => j.type === SETTLE_JOB)) return `held by ${SETTLE_JOB}`;
    // The check's own payload (provisional or dunning) says what the outcome does to the subscription.
    const payload: CheckPayload = check
      ? (JSON.parse(check.payload) as CheckPayload)
      : { payment: payment.id, mode: "provisional", resume_step: null };
    // Throws while the provider still cannot tell: this job retries, a later sweep schedules another.
    await o.check({ ...ctx, payload });
    const after = await o.payments.find(db, scope, payment.id);
    return `checked: ${after?.status ?? "gone"}`;
  }

  o.jobs.register(JANITOR_SWEEP_JOB, async () => {
    await sweep();
    await scheduleSweep(JANITOR_INTERVAL_MS);
  });
  o.jobs.register(JANITOR_JOB, async (ctx) => {
    const result = await resolve(ctx);
    logger.info({ payment: (ctx.payload as { payment: string }).payment, result }, "payments janitor");
  });

  return {
    /** Starts the periodic sweep (the long-running worker does, once). */
    scheduleSweep: () => scheduleSweep(),
    sweep,
    resolve,
  };
}

export type PaymentsJanitor = ReturnType<typeof paymentsJanitor>;
