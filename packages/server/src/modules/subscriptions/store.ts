import {
  type EventType,
  INITIAL_STATUSES,
  isExternalEvent,
  type StatusChange,
  type Subscription,
  type SubscriptionEvent,
  transition,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { Db, PaymentRow, SubscriptionRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { type EnqueueJob, enqueueJob } from "../../jobs/queue.js";
import { toJson } from "../../lib/json.js";
import type { AuditEntry, AuditRecorder } from "../audit/service.js";
import type { EventsService } from "../events/service.js";
import type { PaymentsService } from "../payments/service.js";
import { historyOf, statusEvent, toSubscription } from "./model.js";
import * as repo from "./repo.js";

export type Patch = Partial<
  Omit<SubscriptionRow, "id" | "tenant_id" | "environment_id" | "status" | "status_history" | "version">
>;

export interface Write {
  patch?: Patch;
  /** A change of status, only ever through the state machine. */
  move?: { event: SubscriptionEvent; reason?: string };
  /** Events beyond the status event (renewed, plan_changed, cancel_scheduled, …). */
  events?: EventType[];
  jobs?: EnqueueJob[];
  /** The latest payment when the caller has it, so the event snapshot needs no extra read. */
  latestPayment?: PaymentRow | null;
  correlationId: string | null;
  /**
   * Decisions and outcomes behind this write (a dunning step, a renewal charge's result), for the
   * audit trail, under the write's correlation, about the subscription unless they name another
   * object: kept on the write's first event and appended by the audit consumer after commit (in the
   * same transaction when the write records no event).
   */
  audit?: AuditEntry[];
}

/** The write lost a compare-and-set race; the caller re-reads and decides again. */
export class StaleWrite extends Error {
  override name = "StaleWrite";
}

/**
 * The one writer of subscription rows. Every write is a compare-and-set on `version`, moves the
 * status only through the core state machine, appends to status_history, and records its
 * events and schedules its jobs in the caller's transaction: a change, its events and its
 * follow-up work commit together or not at all.
 */
export function subscriptionStore(
  { db }: Deps,
  {
    events,
    payments,
    audit,
  }: { events: Pick<EventsService, "recordEach">; payments: Pick<PaymentsService, "find">; audit?: AuditRecorder },
) {
  async function snapshot(
    d: Db,
    scope: Scope,
    row: SubscriptionRow,
    latest?: PaymentRow | null,
  ): Promise<Subscription> {
    let payment = latest ?? null;
    if (latest === undefined && row.latest_payment_id)
      payment = (await payments.find(d, scope, row.latest_payment_id)) ?? null;
    return toSubscription(row, payment);
  }

  /**
   * Records the write's events and its audit entries: as notes on its first event, which the audit
   * consumer appends to the trail after commit; appended here only when the write has no event.
   */
  async function announce(tx: Db, scope: Scope, row: SubscriptionRow, types: EventType[], w: Write) {
    const entries = audit && w.audit?.length ? auditEntriesOf(row, w) : [];
    if (types.length === 0) {
      if (entries.length > 0) await audit!.recordAll(tx, scope, entries);
      return;
    }
    const object = await snapshot(tx, scope, row, w.latestPayment);
    await events.recordEach(tx, scope, types, {
      object,
      correlationId: w.correlationId,
      ...(entries.length > 0 && { auditNotes: audit!.notes(scope, entries) }),
    });
  }

  function auditEntriesOf(row: SubscriptionRow, w: Write): AuditEntry[] {
    return (w.audit ?? []).map((entry) => ({
      ...entry,
      object: entry.object ?? { id: row.id, object: "subscription" },
      correlationId: entry.correlationId ?? w.correlationId,
    }));
  }

  async function schedule(tx: Db, scope: Scope, now: string, jobs: EnqueueJob[] = []) {
    for (const job of jobs) await enqueueJob(tx, now, { scope, ...job });
  }

  /** Applies `w` to `row` as read; undefined when the row changed since (nothing is written). */
  async function write(tx: Db, scope: Scope, row: SubscriptionRow, w: Write): Promise<SubscriptionRow | undefined> {
    const now = scope.clock.now().toISOString();
    const from = row.status;
    let status = from;
    let history = row.status_history;
    if (w.move) {
      // Our billing moves only what it runs; a vendor's reports move only what the vendor runs.
      if (isExternalEvent(w.move.event) !== (row.channel !== "direct")) {
        throw new ApiError(
          "INVALID_STATE_TRANSITION",
          `Subscription ${row.id} (channel ${row.channel}) does not accept "${w.move.event}"`,
        );
      }
      const t = transition(from, w.move.event);
      if (!t.ok) throw new ApiError("INVALID_STATE_TRANSITION", `Subscription ${row.id}: ${t.reason}`);
      status = t.to;
      // A report of the state it is already in (a store's renewal of an active one) is no change.
      if (status !== from) {
        history = toJson([...historyOf(row), { status, at: now, reason: w.move.reason ?? w.move.event }]);
      }
    }
    const next: SubscriptionRow = {
      ...row,
      ...w.patch,
      status,
      status_history: history,
      version: row.version + 1,
      updated_at: now,
    };
    if (!(await repo.updateSubscriptionIf(tx, scope, next, row))) return undefined;
    const moved = w.move !== undefined && status !== from;
    await announce(tx, scope, next, [...(moved ? [statusEvent(from, status)] : []), ...(w.events ?? [])], w);
    await schedule(tx, scope, now, w.jobs);
    return next;
  }

  return {
    snapshot,
    write,
    find: (d: Db, scope: Scope, id: string) => repo.findSubscription(d, scope, id),
    /** Schedules one job in the caller's transaction. */
    schedule: (tx: Db, scope: Scope, job: EnqueueJob) => schedule(tx, scope, scope.clock.now().toISOString(), [job]),

    /** A new subscription in its first status, with subscription.created and its status event. */
    async insert(tx: Db, scope: Scope, row: SubscriptionRow, w: Write): Promise<SubscriptionRow> {
      const status = row.status;
      // Our billing starts in trial or active; a store's subscription starts where the store has it.
      if (row.channel === "direct" && !INITIAL_STATUSES.includes(status)) {
        throw new Error(`a direct subscription cannot start ${status}`);
      }
      const now = scope.clock.now().toISOString();
      const history: StatusChange[] = [{ status, at: now, reason: "created" }];
      const stored = { ...row, status_history: toJson(history), version: 1, created_at: now, updated_at: now };
      await repo.insertSubscription(tx, stored);
      await announce(tx, scope, stored, ["subscription.created", statusEvent(null, status), ...(w.events ?? [])], w);
      await schedule(tx, scope, now, w.jobs);
      return stored;
    },

    /** `write` in a transaction of its own; throws StaleWrite when the row changed since it was read. */
    async writeNow(scope: Scope, row: SubscriptionRow, w: Write): Promise<SubscriptionRow> {
      const next = await db.transaction().execute((tx) => write(tx, scope, row, w));
      if (!next) throw new StaleWrite(`subscription ${row.id} changed concurrently`);
      return next;
    },
  };
}

export type SubscriptionStore = ReturnType<typeof subscriptionStore>;
