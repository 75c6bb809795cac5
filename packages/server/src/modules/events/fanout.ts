import type { Event } from "@tessera/core";
import { causedBy, type Db, type Deps, loggerFor, type Scope, withCorrelation } from "../../context.js";
import type { EventRow } from "../../db/types.js";
import { enqueueJob, expediteJob, releaseDedupeKey } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { JobContext } from "../../jobs/worker.js";
import { isoNow } from "../../lib/clock.js";
import { type ConsumedEvent, type EventConsumer, memoOf, wants } from "./consumers.js";
import * as repo from "./repo.js";

export const FAN_OUT_JOB = "events.fan_out";
export const CONSUME_JOB = "events.consume";
export const SWEEP_JOB = "events.sweep";
const BATCH = 100;
/** How often the sweep looks for events whose kick was lost (the process died after commit). */
export const SWEEP_INTERVAL_MS = 60_000;

/** One event (the payload of old jobs, and of a single event's) or a fan-out page's events in order. */
type ConsumePayload = { consumer: string; event_id: string } | { consumer: string; event_ids: string[] };

/**
 * Fan-out after commit (DESIGN §6b). A business transaction writes its change and its event, and
 * nothing else. After it committed, `kick` enqueues one `events.fan_out` job per environment with
 * pending events; that job hands each pending event to every consumer that wants its type, as one
 * `events.consume` job per event × consumer (deduplicated by that pair), and marks the event
 * fanned out. A slow or failing consumer only delays its own jobs, never the write.
 *
 * The kick is deduplicated on one key per environment that the fan-out job frees as its first
 * step: a kick before that joins the job (which scans after it), a kick after it starts another.
 * Event ids are made before commit, so pending events are found by their marker, not an id cursor.
 */
export function createFanOut(deps: Deps, jobs: JobRegistry, toEvent: (row: EventRow, scope: Scope) => Promise<Event>) {
  const { db, clock } = deps;
  const consumers = new Map<string, EventConsumer>();

  function kickKey(environmentId: string) {
    return `${FAN_OUT_JOB}:${environmentId}`;
  }

  async function kick(scope: Pick<Scope, "tenantId" | "environmentId">): Promise<void> {
    if (!(await repo.hasPendingFanOut(db, scope.environmentId))) return;
    const now = isoNow(clock);
    const added = await enqueueJob(db, now, {
      type: FAN_OUT_JOB,
      payload: {},
      runAt: now,
      scope: { tenantId: scope.tenantId, environmentId: scope.environmentId },
      clock: "wall",
      dedupeKey: kickKey(scope.environmentId),
    });
    // Joined a fan-out that is waiting out a retry's backoff (it failed, say, when the database
    // went away): new events are news now, so it runs now.
    if (!added) await expediteJob(db, kickKey(scope.environmentId), now);
  }

  jobs.register(FAN_OUT_JOB, async ({ job, scope }) => {
    if (!scope) return;
    await releaseDedupeKey(db, job.id);
    const memo = memoOf();
    for (;;) {
      const pending = await repo.listPendingFanOut(db, scope.environmentId, BATCH);
      if (pending.length === 0) return;
      // Decided before the transaction: on SQLite a read on `db` inside it would wait on itself.
      const handOver = new Map<EventConsumer, EventRow[]>();
      for (const event of pending) {
        for (const consumer of consumers.values()) {
          if (!wants(consumer, event.type)) continue;
          if (consumer.accepts && !(await consumer.accepts(scope, event, memo))) continue;
          const events = handOver.get(consumer) ?? [];
          events.push(event);
          handOver.set(consumer, events);
        }
      }
      await db.transaction().execute(async (tx) => {
        const now = isoNow(clock);
        for (const [consumer, events] of handOver) await enqueueConsume(tx, now, consumer.name, events);
        await repo.markFannedOut(
          tx,
          pending.map((e) => e.id),
          now,
        );
      });
      if (pending.length < BATCH) return;
    }
  });

  /**
   * One consume job per consumer for the events of one fan-out page (a job per event × consumer
   * cost more than most consumers' work: a renewal's events took three jobs). Deduplicated by the
   * consumer and the events' range, so a fan-out retried after a crash adds nothing; a single
   * event's job keeps the per-event key.
   */
  async function enqueueConsume(tx: Db, now: string, consumer: string, events: EventRow[]): Promise<void> {
    const first = events[0]!;
    const last = events.at(-1)!;
    const payload: ConsumePayload =
      events.length === 1 ? { consumer, event_id: first.id } : { consumer, event_ids: events.map((e) => e.id) };
    // The job continues the correlation its events share (a job run's or a request's); it names the first as its cause.
    const correlation = events.every((e) => e.correlation_id === first.correlation_id) ? first.correlation_id : null;
    await enqueueJob(tx, now, {
      type: CONSUME_JOB,
      payload,
      runAt: now,
      scope: { tenantId: first.tenant_id, environmentId: first.environment_id },
      clock: "wall",
      dedupeKey: events.length === 1 ? consumeKey(consumer, first.id) : `${consumeKey(consumer, first.id)}..${last.id}`,
      correlationId: correlation,
      causationId: first.id,
    });
  }

  function consumeKey(consumer: string, eventId: string): string {
    return `${CONSUME_JOB}:${consumer}:${eventId}`;
  }

  /** The consumer acts as itself, continuing the event's correlation, caused by the event. */
  function scopeOfEvent(jobScope: Scope, row: EventRow, consumer: string): Scope {
    const scope =
      row.correlation_id && row.correlation_id !== jobScope.correlationId
        ? withCorrelation(deps, jobScope, row.correlation_id)
        : jobScope;
    return causedBy(scope, row.id, { type: "system", id: `consumer:${consumer}` });
  }

  jobs.register(CONSUME_JOB, async (ctx) => {
    const p = ctx.payload as ConsumePayload;
    const consumer = consumers.get(p.consumer);
    if (!ctx.scope || !consumer) return;
    const ids = "event_ids" in p ? p.event_ids : [p.event_id];
    // Events removed by retention meanwhile have nothing left to hand over.
    const rows = await repo.findEvents(db, ctx.scope, ids);
    const items: ConsumedEvent[] = [];
    for (const row of rows) {
      const scope = scopeOfEvent(ctx.scope, row, consumer.name);
      items.push({ scope, event: await toEvent(row, scope) });
    }
    if (items.length === 0) return;
    if (consumer.handleBatch && items.length > 1) {
      try {
        await consumer.handleBatch(items, ctx);
      } catch (error) {
        await splitAfterFailure(ctx, consumer, rows, error);
      }
      return;
    }
    for (let i = 0; i < items.length; i++) {
      const { scope, event } = items[i]!;
      const isLast = i === items.length - 1;
      try {
        // Only the last event may finish the job with its own transaction: an earlier one
        // finishing it would drop the rest if the process died before they ran.
        await consumer.handle(scope, event, isLast ? ctx : { ...ctx, complete: async () => {} });
      } catch (error) {
        if (items.length === 1) throw error;
        await splitAfterFailure(ctx, consumer, rows.slice(i), error);
        return;
      }
    }
  });

  /**
   * A batch stopped at a failing event: its events from there on go back as one job each, so the
   * failing one retries on its own backoff and blocks nobody; those already handled are done (a
   * batch retried whole would hand them over again, which consumers allow but need not pay for).
   */
  async function splitAfterFailure(ctx: JobContext, consumer: EventConsumer, rest: EventRow[], error: unknown) {
    loggerFor(deps, ctx.scope).warn(
      { err: error, consumer: consumer.name, events: rest.length },
      "event consumer failed in a batch: its events retry one by one",
    );
    await db.transaction().execute(async (tx) => {
      const now = isoNow(clock);
      for (const row of rest) await enqueueConsume(tx, now, consumer.name, [row]);
      await ctx.complete(tx);
    });
  }

  /** Catches events whose kick never ran, then schedules itself again. */
  jobs.register(SWEEP_JOB, async () => {
    for (const env of await repo.listEnvironmentsPendingFanOut(db)) await kick(env);
    await scheduleSweep(SWEEP_INTERVAL_MS);
  });

  async function scheduleSweep(afterMs = 0): Promise<void> {
    const at = new Date(clock.now().getTime() + afterMs);
    // One sweep per interval, however many processes schedule it.
    const slot = Math.floor(at.getTime() / SWEEP_INTERVAL_MS);
    await enqueueJob(db, isoNow(clock), {
      type: SWEEP_JOB,
      payload: {},
      runAt: at.toISOString(),
      clock: "wall",
      dedupeKey: `${SWEEP_JOB}:${slot}`,
    });
  }

  return {
    kick,
    scheduleSweep,
    register(consumer: EventConsumer): void {
      if (consumers.has(consumer.name)) throw new Error(`event consumer ${consumer.name} is registered twice`);
      consumers.set(consumer.name, consumer);
    },
  };
}
