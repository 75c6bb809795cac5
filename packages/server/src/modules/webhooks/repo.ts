import type { Updateable } from "kysely";
import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type {
  Db,
  WebhookAttemptRow,
  WebhookDeliveriesTable,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookEndpointsTable,
} from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";

type ScopeIds = Pick<Scope, "tenantId" | "environmentId">;

export async function insertEndpoint(db: Db, row: WebhookEndpointRow): Promise<void> {
  await db.insertInto("webhook_endpoints").values(row).execute();
}

export async function findEndpoint(db: Db, scope: ScopeIds, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom("webhook_endpoints").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

export function pageEndpoints(db: Db, scope: ScopeIds, page: PageQuery) {
  const q = db.selectFrom("webhook_endpoints").selectAll().where(inScope(scope));
  return paginate(q, "id", page);
}

export async function listEnabledEndpoints(db: Db, scope: ScopeIds): Promise<WebhookEndpointRow[]> {
  return db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where(inScope(scope))
    .where("status", "=", "enabled")
    .orderBy("id")
    .execute();
}

export async function updateEndpoint(
  db: Db,
  scope: ScopeIds,
  id: string,
  set: Updateable<WebhookEndpointsTable>,
): Promise<void> {
  await db.updateTable("webhook_endpoints").set(set).where(inScope(scope)).where("id", "=", id).execute();
}

/** Remembers the first failure of a run of failures; a later failure keeps the earlier time. */
export async function markEndpointFailing(db: Db, scope: ScopeIds, id: string, at: string): Promise<void> {
  await db
    .updateTable("webhook_endpoints")
    .set({ failing_since: at })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("failing_since", "is", null)
    .execute();
}

export async function deleteEndpoint(db: Db, scope: ScopeIds, id: string): Promise<boolean> {
  const r = await db.deleteFrom("webhook_endpoints").where(inScope(scope)).where("id", "=", id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function insertDelivery(db: Db, row: WebhookDeliveryRow): Promise<boolean> {
  // One delivery per (endpoint, event): a listener that ran twice must not double-send.
  const r = await db
    .insertInto("webhook_deliveries")
    .values(row)
    .onConflict((oc) => oc.columns(["endpoint_id", "event_id"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findDelivery(
  db: Db,
  scope: ScopeIds,
  endpointId: string,
  id: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where(inScope(scope))
    .where("endpoint_id", "=", endpointId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export async function findDeliveryById(db: Db, scope: ScopeIds, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom("webhook_deliveries").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

export function pageDeliveries(
  db: Db,
  scope: ScopeIds,
  endpointId: string,
  page: PageQuery & { status?: WebhookDeliveryRow["status"] | undefined },
) {
  let q = db.selectFrom("webhook_deliveries").selectAll().where(inScope(scope)).where("endpoint_id", "=", endpointId);
  if (page.status) q = q.where("status", "=", page.status);
  return paginate(q, "id", page);
}

/**
 * Updates a delivery, optionally only while it is still in `whileStatus`: a replay that succeeded
 * meanwhile must not be overwritten by the automatic schedule. Returns whether a row changed.
 */
export async function updateDelivery(
  db: Db,
  scope: ScopeIds,
  id: string,
  set: Updateable<WebhookDeliveriesTable>,
  whileStatus?: WebhookDeliveryRow["status"],
): Promise<boolean> {
  let q = db.updateTable("webhook_deliveries").set(set).where(inScope(scope)).where("id", "=", id);
  if (whileStatus) q = q.where("status", "=", whileStatus);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Takes the next attempt number atomically, so an automatic attempt and a manual replay that run
 * at the same moment never write the same number.
 */
export async function claimAttemptNumber(db: Db, scope: ScopeIds, id: string, now: string): Promise<number> {
  const row = await db
    .updateTable("webhook_deliveries")
    .set((eb) => ({ attempt_count: eb("attempt_count", "+", 1), updated_at: now }))
    .where(inScope(scope))
    .where("id", "=", id)
    .returning("attempt_count")
    .executeTakeFirstOrThrow();
  return Number(row.attempt_count);
}

export async function insertAttempt(db: Db, row: WebhookAttemptRow): Promise<void> {
  await db.insertInto("webhook_attempts").values(row).execute();
}

export async function listAttempts(db: Db, scope: ScopeIds, deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return db
    .selectFrom("webhook_attempts")
    .selectAll()
    .where(inScope(scope))
    .where("delivery_id", "in", deliveryIds)
    .orderBy("delivery_id")
    .orderBy("number")
    .execute();
}

export async function firstAttemptAt(db: Db, scope: ScopeIds, deliveryId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("webhook_attempts")
    .select("started_at")
    .where(inScope(scope))
    .where("delivery_id", "=", deliveryId)
    .orderBy("number")
    .limit(1)
    .executeTakeFirst();
  return row?.started_at;
}
