import type { Actor, Event, EventListQuery, EventType } from "@tessera/core";
import { type Deps, type Scope, SYSTEM_ACTOR } from "../../context.js";
import type { Db, EventRow } from "../../db/types.js";
import { notFound } from "../../errors.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, toPage } from "../../lib/pagination.js";
import * as repo from "./repo.js";

export interface RecordEvent {
  type: EventType;
  /** The API object the event is about, as a snapshot: `{ id, object, … }`. */
  object: { id: string; object: string } & Record<string, unknown>;
  /** Overrides the scope's correlation (a payment keeps the one it was created under). */
  correlationId?: string | null;
  /** Overrides the scope's cause. */
  causationId?: string | null;
}

/** Called inside the transaction that writes the event: the transactional outbox. */
export type EventListener = (tx: Db, scope: Scope, event: Event) => Promise<void>;

export function toEvent(
  row: EventRow,
  scope: Pick<Scope, "tenantId" | "environment">,
  object: Record<string, unknown> = fromJson(row.data, {}),
): Event {
  return {
    id: row.id,
    object: "event",
    type: row.type as EventType,
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
 * so the change and its event commit together or not at all; listeners (webhooks) enqueue their
 * work in that same transaction.
 */
export function eventsService({ db }: Deps) {
  const listeners: EventListener[] = [];

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
    };
    await repo.insertEvent(tx, row);
    // The snapshot as given, not parsed back from the JSON just written (snapshots are plain JSON
    // values, so it reads the same): a renewal's events would otherwise cost a parse each.
    const event = toEvent(row, scope, input.object);
    for (const listener of listeners) await listener(tx, scope, event);
    return event;
  }

  return {
    onEvent(listener: EventListener): void {
      listeners.push(listener);
    },

    record(tx: Db, scope: Scope, input: RecordEvent): Promise<Event> {
      return write(tx, scope, input.type, input, toJson(input.object));
    },

    /** Several events about the same snapshot (a status change and what came with it): serialised once. */
    async recordEach(tx: Db, scope: Scope, types: readonly EventType[], input: Omit<RecordEvent, "type">) {
      if (types.length === 0) return [];
      const data = toJson(input.object);
      const events: Event[] = [];
      for (const type of types) events.push(await write(tx, scope, type, input, data));
      return events;
    },

    async list(scope: Scope, query: EventListQuery): Promise<Page<Event>> {
      return toPage(await repo.pageEvents(db, scope, query), (r) => toEvent(r, scope));
    },

    async get(scope: Scope, id: string): Promise<Event> {
      const row = await repo.findEvent(db, scope, id);
      if (!row) throw notFound("event", id);
      return toEvent(row, scope);
    },
  };
}

export type EventsService = ReturnType<typeof eventsService>;
