import type { Insertable } from "kysely";
import type { Scope } from "../../context.js";
import type { ChannelNotificationRow, ChannelNotificationsTable } from "../../db/types.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { VendorStatus } from "./port.js";

/*
 * A vendor subscription that replaces another (Play's `linkedPurchaseToken`: an upgrade, a
 * downgrade, a resubscription from the Play Store's subscription center). Google says the old
 * purchase must stop granting when the new one starts. The end of the old one is kept in the old
 * one's inbox as a notification of its own (REPLACED, dated when the new one started), so the
 * old subscription's state is folded like any other (converge.ts): what the vendor reports of the
 * old purchase later still wins, and a late notification of it cannot revive it.
 */

/** The inbox type that ends a vendor subscription another one replaced. */
export const REPLACED_TYPE = "REPLACED";

/** The vendor subscription this history says it replaces, if any (the newest answer that says so). */
export function replacedBy(
  history: ReadonlyArray<Pick<ChannelNotificationRow, "resolved_effect">>,
): string | undefined {
  for (const h of [...history].reverse()) {
    const replaces = h.resolved_effect
      ? fromJson<VendorStatus>(h.resolved_effect, { event: null }).replaces
      : undefined;
    if (replaces) return replaces;
  }
  return undefined;
}

/** The REPLACED notification of `old` (one per pair: its vendor event id is the dedupe key). */
export function replacementRow(
  scope: Scope,
  n: Pick<ChannelNotificationRow, "channel" | "storefront_id" | "vendor_subscription_id">,
  old: string,
  at: string,
): Insertable<ChannelNotificationsTable> {
  const status: VendorStatus = { event: "external_expired", observedAt: at };
  const now = scope.clock.now().toISOString();
  return {
    id: newId("channel_notification"),
    tenant_id: scope.tenantId,
    environment_id: scope.environmentId,
    storefront_id: n.storefront_id,
    channel: n.channel,
    vendor_event_id: `replaced:${old}:${n.vendor_subscription_id}`,
    vendor_subscription_id: old,
    vendor_type: REPLACED_TYPE,
    vendor_subtype: null,
    event: status.event,
    occurred_at: at,
    sequence: null,
    product_id: null,
    customer_hint: null,
    period_start: null,
    period_end: null,
    raw: toJson({ replaced_by: n.vendor_subscription_id }),
    verified: 1,
    status: "received",
    detail: `replaced by ${n.vendor_subscription_id}`,
    link_id: null,
    subscription_id: null,
    changes: null,
    received_at: now,
    applied_at: null,
    resolved_effect: toJson(status),
  };
}
