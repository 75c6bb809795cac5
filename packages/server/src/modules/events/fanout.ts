import type { Event } from "@tessera/core";
import { causedBy, type Deps, type Scope } from "../../context.js";
import type { EventRow } from "../../db/types.js";
import { enqueueJob, expediteJob, releaseDedupeKey } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { type EventConsumer, memoOf, wants } from "./consumers.js";
import * as repo from "./repo.js";

export const FAN_OUT_JOB = "events.fan_out";
export const CONSUME_JOB = "events.consume";
export const SWEEP_JOB = "events.sweep";
const BATCH = 100;
/** How often the sweep looks for events whose kick was lost (the process died after commit). */
export const SWEEP_INTERVAL_MS = 60_000;

interface ConsumePayload {
  consumer: string;
  event_id: string;
}

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
      const handOver: Array<[EventRow, EventConsumer]> = [];
      for (const event of pending) {
        for (const consumer of consumers.values()) {
          if (!wants(consumer, event.type)) continue;
          if (consumer.accepts && !(await consumer.accepts(scope, event, memo))) continue;
          handOver.push([event, consumer]);
        }
      }
      await db.transaction().execute(async (tx) => {
        const now = isoNow(clock);
        for (const [event, consumer] of handOver) {
          const payload: ConsumePayload = { consumer: consumer.name, event_id: event.id };
          await enqueueJob(tx, now, {
            type: CONSUME_JOB,
            payload,
            runAt: now,
            scope: { tenantId: event.tenant_id, environmentId: event.environment_id },
            clock: "wall",
            dedupeKey: `${CONSUME_JOB}:${consumer.name}:${event.id}`,
            correlationId: event.correlation_id,
            causationId: event.id,
          });
        }
        await repo.markFannedOut(
          tx,
          pending.map((e) => e.id),
          now,
        );
      });
      if (pending.length < BATCH) return;
    }
  });

  jobs.register(CONSUME_JOB, async (ctx) => {
    const { consumer: name, event_id } = ctx.payload as ConsumePayload;
    const consumer = consumers.get(name);
    if (!ctx.scope || !consumer) return;
    const row = await repo.findEvent(db, ctx.scope, event_id);
    // Removed by retention: nothing left to hand over.
    if (!row) return;
    // The consumer acts as itself, continuing the event's correlation, caused by the event.
    const scope = causedBy(ctx.scope, row.id, { type: "system", id: `consumer:${name}` });
    await consumer.handle(scope, await toEvent(row, scope), ctx);
  });

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
