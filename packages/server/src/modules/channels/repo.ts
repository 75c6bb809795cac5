import type { Insertable } from "kysely";
import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type {
  ChannelLinkRow,
  ChannelLinksTable,
  ChannelNotificationRow,
  ChannelNotificationsTable,
  ChannelProductRow,
  Db,
} from "../../db/types.js";
import { toJson } from "../../lib/json.js";
import type { VendorStatus } from "./port.js";

/* Every query filters on tenant and environment (inScope). */

type ScopeIds = Pick<Scope, "tenantId" | "environmentId">;

/** Inserts unless the vendor event id is known; false for a duplicate delivery. */
export async function insertNotification(db: Db, row: Insertable<ChannelNotificationsTable>): Promise<boolean> {
  const result = await db
    .insertInto("channel_notifications")
    .values(row)
    .onConflict((oc) => oc.columns(["tenant_id", "environment_id", "channel", "vendor_event_id"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function findNotification(db: Db, scope: ScopeIds, id: string): Promise<ChannelNotificationRow | undefined> {
  return db
    .selectFrom("channel_notifications")
    .selectAll()
    .where(inScope(scope))
    .where("id", "=", id)
    .executeTakeFirst();
}

export function findNotificationByVendorId(
  db: Db,
  scope: ScopeIds,
  channel: string,
  vendorEventId: string,
): Promise<ChannelNotificationRow | undefined> {
  return db
    .selectFrom("channel_notifications")
    .selectAll()
    .where(inScope(scope))
    .where("channel", "=", channel)
    .where("vendor_event_id", "=", vendorEventId)
    .executeTakeFirst();
}

/** Every verified notification of one vendor subscription: the history its state is folded from. */
export function listVendorHistory(
  db: Db,
  scope: ScopeIds,
  channel: string,
  vendorSubscriptionId: string,
): Promise<ChannelNotificationRow[]> {
  return db
    .selectFrom("channel_notifications")
    .selectAll()
    .where(inScope(scope))
    .where("channel", "=", channel)
    .where("vendor_subscription_id", "=", vendorSubscriptionId)
    .where("verified", "=", 1)
    .orderBy("occurred_at")
    .orderBy("id")
    .execute();
}

export function listParked(
  db: Db,
  scope: ScopeIds,
  filter: { channel: string; vendorSubscriptionId?: string; productId?: string },
): Promise<ChannelNotificationRow[]> {
  let q = db
    .selectFrom("channel_notifications")
    .selectAll()
    .where(inScope(scope))
    .where("channel", "=", filter.channel)
    .where("status", "=", "parked");
  if (filter.vendorSubscriptionId) q = q.where("vendor_subscription_id", "=", filter.vendorSubscriptionId);
  if (filter.productId) q = q.where("product_id", "=", filter.productId);
  return q.orderBy("id").execute();
}

export async function updateNotification(
  db: Db,
  scope: ScopeIds,
  id: string,
  patch: Partial<
    Pick<ChannelNotificationRow, "status" | "detail" | "link_id" | "subscription_id" | "changes" | "applied_at">
  >,
): Promise<void> {
  await db.updateTable("channel_notifications").set(patch).where(inScope(scope)).where("id", "=", id).execute();
}

export function findLink(
  db: Db,
  scope: ScopeIds,
  channel: string,
  vendorSubscriptionId: string,
): Promise<ChannelLinkRow | undefined> {
  return db
    .selectFrom("channel_links")
    .selectAll()
    .where(inScope(scope))
    .where("channel", "=", channel)
    .where("vendor_subscription_id", "=", vendorSubscriptionId)
    .executeTakeFirst();
}

export function findLinkOfSubscription(
  db: Db,
  scope: ScopeIds,
  subscriptionId: string,
): Promise<ChannelLinkRow | undefined> {
  return db
    .selectFrom("channel_links")
    .selectAll()
    .where(inScope(scope))
    .where("subscription_id", "=", subscriptionId)
    .executeTakeFirst();
}

/** Inserts unless the vendor id is linked already (a concurrent apply won); false then. */
export async function insertLink(db: Db, row: Insertable<ChannelLinksTable>): Promise<boolean> {
  const result = await db
    .insertInto("channel_links")
    .values(row)
    .onConflict((oc) => oc.columns(["tenant_id", "environment_id", "channel", "vendor_subscription_id"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Compare-and-set on `version`: false when another apply changed the link since it was read. */
export async function updateLinkIf(
  db: Db,
  scope: ScopeIds,
  read: ChannelLinkRow,
  patch: Partial<
    Pick<ChannelLinkRow, "customer_id" | "subscription_id" | "last_occurred_at" | "last_sequence" | "updated_at">
  >,
): Promise<boolean> {
  const result = await db
    .updateTable("channel_links")
    .set({ ...patch, version: read.version + 1 })
    .where(inScope(scope))
    .where("id", "=", read.id)
    .where("version", "=", read.version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function findProduct(
  db: Db,
  scope: ScopeIds,
  storefrontId: string,
  channel: string,
  vendorProductId: string,
): Promise<ChannelProductRow | undefined> {
  return db
    .selectFrom("channel_products")
    .selectAll()
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .where("channel", "=", channel)
    .where("vendor_product_id", "=", vendorProductId)
    .executeTakeFirst();
}

export async function upsertProduct(db: Db, row: ChannelProductRow): Promise<void> {
  await db
    .insertInto("channel_products")
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(["tenant_id", "environment_id", "storefront_id", "channel", "vendor_product_id"])
        .doUpdateSet({ price_id: row.price_id }),
    )
    .execute();
}

/** Keeps the vendor's answer for a notification completed by a refetch (and the period it states). */
export async function resolveNotification(
  db: Db,
  scope: ScopeIds,
  id: string,
  status: VendorStatus & { observedAt: string },
  known: Pick<ChannelNotificationRow, "product_id" | "customer_hint">,
): Promise<void> {
  await db
    .updateTable("channel_notifications")
    .set({
      resolved_effect: toJson(status),
      event: status.event,
      ...(status.period && { period_start: status.period.start, period_end: status.period.end }),
      ...(!known.product_id && status.productId && { product_id: status.productId }),
      ...(!known.customer_hint && status.customerHint && { customer_hint: status.customerHint }),
    })
    .where(inScope(scope))
    .where("id", "=", id)
    .execute();
}

/** Parked notifications of a storefront whose customer hint names this customer (its id or external id). */
export function listParkedForCustomer(
  db: Db,
  scope: ScopeIds,
  storefrontId: string,
  hints: string[],
): Promise<ChannelNotificationRow[]> {
  return db
    .selectFrom("channel_notifications")
    .selectAll()
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .where("status", "=", "parked")
    .where("customer_hint", "in", hints)
    .orderBy("id")
    .execute();
}

/** The storefronts and channels that have vendor subscriptions to watch, across tenants (system access). */
export function listWatchedChannels(
  db: Db,
  channels: readonly string[],
): Promise<Array<{ environment_id: string; storefront_id: string; channel: string }>> {
  if (channels.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("channel_links")
    .select(["environment_id", "storefront_id", "channel"])
    .where("subscription_id", "is not", null)
    .where("channel", "in", channels)
    .distinct()
    .execute();
}

/**
 * Subscriptions of one storefront's channel that a repair should ask the vendor about: not ended,
 * not looked at since `checkedBefore`, and either silent since `staleBefore` or past the end of
 * their period since `periodEndedBefore` (a renewal nobody told us about). Least recently seen first.
 */
export async function listDueForRepair(
  db: Db,
  scope: ScopeIds,
  o: {
    storefrontId: string;
    channel: string;
    checkedBefore: string;
    staleBefore: string;
    periodEndedBefore: string;
    limit: number;
  },
): Promise<string[]> {
  const rows = await db
    .selectFrom("channel_links as l")
    .innerJoin("subscriptions as s", "s.id", "l.subscription_id")
    .select("s.id")
    .where(inScope(scope, "l"))
    .where(inScope(scope, "s"))
    .where("l.storefront_id", "=", o.storefrontId)
    .where("l.channel", "=", o.channel)
    .where("s.status", "not in", ["cancelled", "expired"])
    .where("l.updated_at", "<", o.checkedBefore)
    .where((eb) =>
      eb.or([eb("l.updated_at", "<", o.staleBefore), eb("s.current_period_end", "<", o.periodEndedBefore)]),
    )
    .orderBy("l.updated_at")
    .limit(o.limit)
    .execute();
  return rows.map((r) => r.id);
}
