import type { EventListQuery } from "@tessera/core";
import { type Kysely, sql } from "kysely";
import type { Scope } from "../../context.js";
import { inScope, type ScopeIds } from "../../db/scope.js";
import type { Database, Db, EventRow } from "../../db/types.js";
import { paginate } from "../../lib/pagination.js";
import { preparedQuery } from "../../lib/prepared.js";

const EVENT_COLUMNS = [
  "id",
  "tenant_id",
  "environment_id",
  "type",
  "object_type",
  "object_id",
  "data",
  "correlation_id",
  "request_id",
  "created_at",
  "actor",
  "causation_id",
  "fanned_out_at",
  "idempotency_key",
  "audit_notes",
] as const satisfies ReadonlyArray<keyof EventRow>;

// Every change writes one or more: compiled once (see lib/prepared.ts).
const eventInsert = preparedQuery(EVENT_COLUMNS, (db: Kysely<Database>, p) =>
  db.insertInto("events").values(p as unknown as EventRow),
);

export async function insertEvent(db: Db, row: EventRow): Promise<void> {
  await eventInsert(db, row);
}

const selectEvent = preparedQuery(["tenantId", "environmentId", "id"], (db: Kysely<Database>, p) =>
  db.selectFrom("events").selectAll().where(inScope(p)).where("id", "=", p.id),
);

export async function findEvent(db: Db, scope: Scope, id: string): Promise<EventRow | undefined> {
  return (await selectEvent(db, { tenantId: scope.tenantId, environmentId: scope.environmentId, id })).rows[0];
}

const selectObjectEventsBefore = preparedQuery(
  ["tenantId", "environmentId", "object", "before", "limit"],
  (db: Kysely<Database>, p) =>
    db
      .selectFrom("events")
      .selectAll()
      .where(inScope(p))
      .where("object_id", "=", p.object)
      .where("id", "<", p.before)
      .orderBy("id", "desc")
      .limit(p.limit as unknown as number),
);

/** An object's events older than `beforeId`, newest first (the audit consumer reads these per event). */
export async function objectEventsBefore(
  db: Db,
  scope: ScopeIds,
  objectId: string,
  beforeId: string,
  limit: number,
): Promise<EventRow[]> {
  return (
    await selectObjectEventsBefore(db, {
      tenantId: scope.tenantId,
      environmentId: scope.environmentId,
      object: objectId,
      before: beforeId,
      limit,
    })
  ).rows;
}

/** The events of `ids` that still exist, in id order (a consume job's page). */
export async function findEvents(db: Db, scope: Scope, ids: readonly string[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom("events").selectAll().where(inScope(scope)).where("id", "in", ids).orderBy("id").execute();
}

export function pageEvents(db: Db, scope: Scope, query: EventListQuery) {
  let q = db.selectFrom("events").selectAll().where(inScope(scope));
  // The filter is free text (a type or a `prefix.*`): compared as text, not as the closed EventType.
  const type = sql.ref<string>("type");
  if (query.type?.endsWith(".*")) q = q.where(type, "like", `${query.type.slice(0, -1)}%`);
  else if (query.type) q = q.where(type, "=", query.type);
  if (query.object_id) q = q.where("object_id", "=", query.object_id);
  if (query.created_gte) q = q.where("created_at", ">=", new Date(query.created_gte).toISOString());
  if (query.created_lt) q = q.where("created_at", "<", new Date(query.created_lt).toISOString());
  return paginate(q, "id", query);
}

/** Whether the environment has events not yet fanned out (off the partial index of migration 040). */
/** Asked after every job and every change (the fan-out kick): compiled once. */
const selectPendingFanOut = preparedQuery(["env"], (db: Kysely<Database>, p) =>
  db.selectFrom("events").select("id").where("environment_id", "=", p.env).where("fanned_out_at", "is", null).limit(1),
);

export async function hasPendingFanOut(db: Db, environmentId: string): Promise<boolean> {
  return (await selectPendingFanOut(db, { env: environmentId })).rows.length > 0;
}

export function listPendingFanOut(db: Db, environmentId: string, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom("events")
    .selectAll()
    .where("environment_id", "=", environmentId)
    .where("fanned_out_at", "is", null)
    .orderBy("id")
    .limit(limit)
    .execute();
}

export async function markFannedOut(db: Db, ids: string[], now: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("events")
    .set({ fanned_out_at: now })
    .where("id", "in", ids)
    .where("fanned_out_at", "is", null)
    .execute();
}

export function listEnvironmentsPendingFanOut(db: Db): Promise<Array<{ tenantId: string; environmentId: string }>> {
  return db
    .selectFrom("events")
    .select(["tenant_id as tenantId", "environment_id as environmentId"])
    .where("fanned_out_at", "is", null)
    .distinct()
    .execute();
}
