import type { Actor, Event, EventListQuery, EventType } from "@tessera/core";
import { type Deps, type Scope, SYSTEM_ACTOR } from "../../context.js";
import { withTenantAccess } from "../../db/access.js";
import type { Db, EventRow } from "../../db/types.js";
import { notFound } from "../../errors.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, toPage } from "../../lib/pagination.js";
import type { EventConsumer } from "./consumers.js";
import { createFanOut } from "./fanout.js";
import * as repo from "./repo.js";

type Snapshot = { id: string; object: string } & Record<string, unknown>;

/**
 * Keeps personal data out of immutable rows (customers/personal-data.ts): `seal` before an
 * event is stored, `open` when it is read; after erasure the sealed fields read as null.
 */
export interface PersonalDataSealer {
  seal(tx: Db, scope: Pick<Scope, "tenantId" | "environmentId">, object: Snapshot): Promise<Snapshot>;
  open(
    db: Db,
    scope: Pick<Scope, "tenantId" | "environmentId">,
    object: Snapshot,
    keys?: Map<string, unknown>,
  ): Promise<Snapshot>;
}

export interface RecordEvent {
  type: EventType;
  /** The API object the event is about, as a snapshot: `{ id, object, … }`. */
  object: Snapshot;
  /** Overrides the scope's correlation (a payment keeps the one it was created under). */
  correlationId?: string | null;
  /** Overrides the scope's cause. */
  causationId?: string | null;
  /**
   * The change's own audit records (decisions, outcome), redacted and serialised by the audit
   * service (`AuditService.notes`): kept on the event, appended to the trail by its consumer.
   * `recordEach` keeps them on the first event only.
   */
  auditNotes?: string | undefined;
}

export function toEvent(
  row: EventRow,
  scope: Pick<Scope, "tenantId" | "environment">,
  object: Record<string, unknown> = fromJson(row.data, {}),
): Event {
  return {
    id: row.id,
    object: "event",
    type: row.type,
    created_at: row.created_at,
    tenant: scope.tenantId,
    environment: scope.environment,
    data: { object },
    correlation_id: row.correlation_id,
    request_id: row.request_id,
    actor: fromJson<Actor | null>(row.actor, null),
    causation_id: row.causation_id,
  };
}

/**
 * Immutable lifecycle events. `record` must be given the transaction of the change it describes,
 * so the change and its event commit together or not at all, and writes nothing else. Consumers
 * (`subscribe`) are fed from committed events by jobs (fanout.ts); whoever commits calls
 * `afterCommit` (the HTTP pipeline after each change, the worker after each job), and a periodic
 * sweep catches what a crash left pending.
 */
export function eventsService(
  deps: Deps,
  { jobs, personalData }: { jobs: JobRegistry; personalData?: PersonalDataSealer },
) {
  const { db } = deps;

  /** The stored row as the API shows it, personal fields opened while their key exists. */
  async function read(row: EventRow, scope: Scope, keys?: Map<string, unknown>): Promise<Event> {
    const object = fromJson<Snapshot>(row.data, { id: row.object_id, object: row.object_type });
    return toEvent(row, scope, personalData ? await personalData.open(db, scope, object, keys) : object);
  }

  async function stored(tx: Db, scope: Scope, object: Snapshot): Promise<string> {
    return toJson(personalData ? await personalData.seal(tx, scope, object) : object);
  }

  const fanOut = createFanOut(deps, jobs, read);

  async function write(
    tx: Db,
    scope: Scope,
    type: EventType,
    input: Omit<RecordEvent, "type">,
    data: string,
  ): Promise<Event> {
    const row: EventRow = {
      id: newId("event"),
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      type,
      object_type: input.object.object,
      object_id: input.object.id,
      data,
      correlation_id: input.correlationId ?? scope.correlationId ?? scope.requestId ?? null,
      request_id: scope.requestId ?? null,
      created_at: scope.clock.now().toISOString(),
      actor: toJson(scope.actor ?? SYSTEM_ACTOR),
      causation_id: input.causationId ?? scope.causationId ?? scope.requestId ?? null,
      fanned_out_at: null,
      idempotency_key: scope.idempotencyKey ?? null,
      audit_notes: input.auditNotes ?? null,
    };
    await repo.insertEvent(tx, row);
    // The snapshot as given, not parsed back from the JSON just written (snapshots are plain JSON
    // values, so it reads the same): a renewal's events would otherwise cost a parse each.
    return toEvent(row, scope, input.object);
  }

  return {
    /** Feeds `consumer` every committed event of its types, at least once, in jobs (fanout.ts). */
    subscribe(consumer: EventConsumer): void {
      fanOut.register(consumer);
    },

    /** After a commit that may have recorded events: starts their fan-out. Cheap when none are pending. */
    afterCommit(scope: Pick<Scope, "tenantId" | "environmentId">): Promise<void> {
      // Runs after the request's or job's scope has ended: on Postgres, row-level security must be
      // told whose events these are again, or the kick would see none of them.
      return withTenantAccess({ tenantId: scope.tenantId, environmentId: scope.environmentId }, () =>
        fanOut.kick(scope),
      );
    },

    /** Starts the periodic sweep (the long-running worker does, once). */
    scheduleSweep(): Promise<void> {
      return fanOut.scheduleSweep();
    },

    async record(tx: Db, scope: Scope, input: RecordEvent): Promise<Event> {
      return write(tx, scope, input.type, input, await stored(tx, scope, input.object));
    },

    /** Several events about the same snapshot (a status change and what came with it): serialised once. */
    async recordEach(tx: Db, scope: Scope, types: readonly EventType[], input: Omit<RecordEvent, "type">) {
      if (types.length === 0) return [];
      const data = await stored(tx, scope, input.object);
      const events: Event[] = [];
      const { auditNotes: _notes, ...rest } = input;
      for (const type of types) events.push(await write(tx, scope, type, events.length === 0 ? input : rest, data));
      return events;
    },

    async list(scope: Scope, query: EventListQuery): Promise<Page<Event>> {
      const page = await repo.pageEvents(db, scope, query);
      const keys = new Map<string, unknown>();
      const events = [];
      for (const row of page.rows) events.push(await read(row, scope, keys));
      return toPage({ ...page, rows: events }, (e) => e);
    },

    /** An object's events older than `beforeId`, newest first, at most `limit` (the audit trail's catch-up). */
    async objectEventsBefore(scope: Scope, objectId: string, beforeId: string, limit: number): Promise<Event[]> {
      const keys = new Map<string, unknown>();
      const events: Event[] = [];
      for (const row of await repo.objectEventsBefore(db, scope, objectId, beforeId, limit))
        events.push(await read(row, scope, keys));
      return events;
    },

    /**
     * What the audit trail keeps of an event beyond its API shape: the Idempotency-Key of the
     * request that recorded it, and the audit records that came with its change.
     */
    async auditDetailsOf(
      d: Db,
      scope: Scope,
      id: string,
    ): Promise<{ idempotencyKey: string | null; auditNotes: string | null }> {
      const row = await repo.findEvent(d, scope, id);
      return { idempotencyKey: row?.idempotency_key ?? null, auditNotes: row?.audit_notes ?? null };
    },

    async get(scope: Scope, id: string): Promise<Event> {
      const row = await repo.findEvent(db, scope, id);
      if (!row) throw notFound("event", id);
      return read(row, scope);
    },
  };
}

export type EventsService = ReturnType<typeof eventsService>;
