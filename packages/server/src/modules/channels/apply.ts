import {
  type Bundle,
  type ChannelName,
  EXTERNAL_TARGETS,
  isExternalEvent,
  looksLikeId,
  type Price,
  type SubscriptionStatus,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { ChannelLinkRow, ChannelNotificationRow, ChannelNotificationStatus, Db } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { periodBounds } from "../billing/index.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import type { SubscriptionsService } from "../subscriptions/service.js";
import { fold } from "./converge.js";
import {
  type ChannelAdapter,
  type ChannelEffect,
  type ChannelLinkRef,
  type ChannelSettings,
  hasEffect,
  type VendorStatus,
} from "./port.js";
import type { ChannelRegistry } from "./registry.js";
import { replacedBy, replacementRow } from "./replace.js";
import * as repo from "./repo.js";

/** Another apply changed the link or the subscription first: start again on fresh rows. */
class StaleApply extends Error {
  override name = "StaleApply";
}

export interface ApplyDeps {
  registry: ChannelRegistry;
  /** A storefront's settings of a channel (secrets opened), for adapters that ask the vendor. */
  settings: (scope: Scope, storefrontId: string, channel: ChannelName) => Promise<ChannelSettings>;
  /** Schedules an adapter's follow-up (a retried job) for a vendor subscription. */
  followUp: (scope: Scope, link: ChannelLinkRef, name: string) => Promise<void>;
  catalog: Pick<CatalogService, "getPrice">;
  customers: Pick<CustomersService, "requireCustomer" | "getCustomerByExternalId">;
  subscriptions: Pick<SubscriptionsService, "external">;
}

type Outcome = {
  status: ChannelNotificationStatus;
  detail?: string;
  changes?: unknown;
  linkId?: string;
  subscriptionId?: string;
};

interface Prepared {
  customerId?: string | undefined;
  productId?: string | null;
  sold?: { price: Price; bundle: Bundle };
  /** The vendor subscription this one replaces, prepared the same way (replace.ts). */
  replaced?: { vendorSubscriptionId: string; pre: Prepared };
}

const RETRIED: ReadonlySet<ChannelNotificationStatus> = new Set(["received", "parked"]);

/** The vendor's answer when the notification was completed by asking it, else the mapping table's row. */
export function effectOf(
  adapter: ChannelAdapter,
  row: Pick<ChannelNotificationRow, "vendor_type" | "vendor_subtype" | "resolved_effect">,
): ChannelEffect {
  if (row.resolved_effect) {
    const { event, trial, cancelAtPeriodEnd } = fromJson<VendorStatus>(row.resolved_effect, {
      event: null,
      observedAt: "",
    });
    return {
      event,
      ...(trial !== undefined && { trial }),
      ...(cancelAtPeriodEnd !== undefined && { cancelAtPeriodEnd }),
    };
  }
  return adapter.map({ vendorType: row.vendor_type, vendorSubtype: row.vendor_subtype });
}

/**
 * A notification completed by asking the vendor holds the vendor's state when it was asked, which
 * may be later than the notification itself (a late retry): it is ordered by that time.
 */
function orderedAt(row: Pick<ChannelNotificationRow, "occurred_at" | "resolved_effect">): string {
  const observed = row.resolved_effect
    ? fromJson<VendorStatus>(row.resolved_effect, { event: null }).observedAt
    : undefined;
  return observed && observed > row.occurred_at ? observed : row.occurred_at;
}

/** Whether applying the row first needs the vendor's current status. */
function needsRefetch(adapter: ChannelAdapter, row: ChannelNotificationRow): boolean {
  return !row.resolved_effect && row.vendor_subscription_id !== null && effectOf(adapter, row).refetch === true;
}

function periodOf(row: ChannelNotificationRow) {
  return row.period_start && row.period_end ? { start: row.period_start, end: row.period_end } : undefined;
}

/**
 * Applies one inbox notification: finds or makes the link (vendor id → our customer), creates the
 * subscription on first sight (the product map gives the price), then sets the subscription to the
 * state folded from every notification kept for that vendor subscription (see converge.ts). What
 * cannot be resolved yet is parked and retried when a link or a product mapping is added.
 */
export function notificationApplier({ db }: Deps, o: ApplyDeps) {
  async function resolveCustomer(scope: Scope, hint: string | null, storefrontId: string): Promise<string | undefined> {
    if (!hint) return undefined;
    try {
      if (looksLikeId(hint, "customer")) {
        const customer = await o.customers.requireCustomer(scope, hint);
        return customer.storefront === storefrontId ? customer.id : undefined;
      }
      return (await o.customers.getCustomerByExternalId(scope, storefrontId, hint)).id;
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  async function link(
    tx: Db,
    scope: Scope,
    n: ChannelNotificationRow,
    customerId: string | undefined,
  ): Promise<ChannelLinkRow | Outcome> {
    const found = await repo.findLink(tx, scope, n.channel, n.vendor_subscription_id!);
    if (found?.customer_id) return found;
    if (!customerId) {
      return { status: "parked", detail: `unknown customer (hint ${JSON.stringify(n.customer_hint)}): link it` };
    }
    const now = scope.clock.now().toISOString();
    if (found) {
      if (!(await repo.updateLinkIf(tx, scope, found, { customer_id: customerId, updated_at: now })))
        throw new StaleApply();
    } else {
      const inserted = await repo.insertLink(tx, {
        id: newId("channel_link"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        channel: n.channel,
        vendor_subscription_id: n.vendor_subscription_id!,
        vendor_customer_id: null,
        storefront_id: n.storefront_id,
        customer_id: customerId,
        subscription_id: null,
        last_occurred_at: null,
        last_sequence: null,
        version: 1,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) throw new StaleApply();
    }
    return (await repo.findLink(tx, scope, n.channel, n.vendor_subscription_id!))!;
  }

  /**
   * What other modules answer is read before the transaction opens (on SQLite the transaction
   * holds the only connection): the customer the hint names and the price the product maps to.
   */
  async function prepare(scope: Scope, id: string): Promise<Prepared> {
    let n = await repo.findNotification(db, scope, id);
    if (!n?.vendor_subscription_id) return {};
    const vendorSubscriptionId = n.vendor_subscription_id;
    const adapter = o.registry.get(n.channel as ChannelName);
    if (adapter?.refetch && RETRIED.has(n.status) && needsRefetch(adapter, n)) {
      // The notification says something changed, not what: the vendor's answer is kept on the row
      // (a failure throws, and the job retries later).
      const ref = { channel: n.channel as ChannelName, vendorSubscriptionId, storefrontId: n.storefront_id };
      const status = await adapter.refetch(ref, await o.settings(scope, n.storefront_id, ref.channel));
      const observedAt = status.observedAt ?? scope.clock.now().toISOString();
      await repo.resolveNotification(db, scope, n.id, { ...status, observedAt }, n);
      for (const name of status.followUps ?? []) await o.followUp(scope, ref, name);
      n = (await repo.findNotification(db, scope, id))!;
    }
    let customerId = await resolveCustomer(scope, n.customer_hint, n.storefront_id);
    const history = await repo.listVendorHistory(db, scope, n.channel, vendorSubscriptionId);
    const replaces = replacedBy(history);
    let replaced: Prepared["replaced"];
    if (replaces && replaces !== vendorSubscriptionId) {
      const old = await repo.findLink(db, scope, n.channel, replaces);
      // The new purchase is the same customer's: it carries the link over when it names no one itself.
      customerId ??= old?.customer_id ?? undefined;
      const pre = { customerId: old?.customer_id ?? customerId, ...(await productOf(scope, n, replaces)) };
      replaced = { vendorSubscriptionId: replaces, pre };
    }
    return { customerId, ...(await productOf(scope, n, vendorSubscriptionId)), ...(replaced && { replaced }) };
  }

  /** The vendor product a vendor subscription's notifications name, and the price it maps to. */
  async function productOf(
    scope: Scope,
    n: Pick<ChannelNotificationRow, "channel" | "storefront_id">,
    vendorSubscriptionId: string,
  ): Promise<Pick<Prepared, "productId" | "sold">> {
    const history = await repo.listVendorHistory(db, scope, n.channel, vendorSubscriptionId);
    const productId = history.find((h) => h.product_id)?.product_id ?? null;
    const mapped = productId ? await repo.findProduct(db, scope, n.storefront_id, n.channel, productId) : undefined;
    return { productId, ...(mapped ? { sold: await o.catalog.getPrice(scope, mapped.price_id) } : {}) };
  }

  /**
   * Ends the vendor subscription the applied one replaces, in the same transaction (never two
   * grants at once): a REPLACED notification is added to its inbox and applied (replace.ts).
   */
  async function replace(
    tx: Db,
    scope: Scope,
    n: ChannelNotificationRow,
    l: ChannelLinkRow,
    replaced: NonNullable<Prepared["replaced"]>,
    correlationId: string | null,
  ): Promise<unknown> {
    const old = await repo.findLink(tx, scope, n.channel, replaced.vendorSubscriptionId);
    // Another customer's purchase is not this one's to end.
    if (old?.customer_id && old.customer_id !== l.customer_id) return undefined;
    const row = replacementRow(scope, n, replaced.vendorSubscriptionId, orderedAt(n));
    if (!(await repo.insertNotification(tx, row))) return undefined;
    const outcome = await applyIn(tx, scope, row.id, correlationId, {
      ...replaced.pre,
      customerId: l.customer_id ?? undefined,
    });
    if (outcome) await settle(tx, scope, row.id, outcome);
    return { vendor_subscription_id: replaced.vendorSubscriptionId, subscription: outcome?.subscriptionId ?? null };
  }

  async function settle(tx: Db, scope: Scope, id: string, outcome: Outcome): Promise<void> {
    await repo.updateNotification(tx, scope, id, {
      status: outcome.status,
      detail: outcome.detail ?? null,
      link_id: outcome.linkId ?? null,
      subscription_id: outcome.subscriptionId ?? null,
      changes: outcome.changes ? toJson(outcome.changes) : null,
      applied_at: outcome.status === "parked" ? null : scope.clock.now().toISOString(),
    });
  }

  async function applyIn(
    tx: Db,
    scope: Scope,
    id: string,
    correlationId: string | null,
    pre: Prepared,
  ): Promise<Outcome | undefined> {
    const n = await repo.findNotification(tx, scope, id);
    if (!n || !RETRIED.has(n.status)) return undefined;
    const adapter = o.registry.get(n.channel as ChannelName);
    if (!adapter) return { status: "parked", detail: `no adapter is registered for channel ${n.channel}` };
    const effect = effectOf(adapter, n);
    if (!n.vendor_subscription_id || !hasEffect(effect)) return { status: "ignored" };
    if (needsRefetch(adapter, n)) {
      return { status: "parked", detail: `the ${n.channel} adapter cannot ask the vendor for the current status` };
    }
    if (effect.event && !isExternalEvent(effect.event)) {
      return { status: "ignored", detail: `${effect.event} is our own billing's event, not a vendor's` };
    }

    const l = await link(tx, scope, n, pre.customerId);
    if (!("id" in l)) return l;
    const history = (await repo.listVendorHistory(tx, scope, n.channel, n.vendor_subscription_id)).filter(
      (h) => h.status !== "rejected",
    );
    const folded = fold(
      history.map((h) => ({
        occurredAt: orderedAt(h),
        sequence: h.sequence === null ? null : Number(h.sequence),
        vendorEventId: h.vendor_event_id,
        effect: effectOf(adapter, h),
        period: periodOf(h),
      })),
    );
    // Superseded: a newer notification of this vendor subscription had been applied before it came.
    const applied = l.last_occurred_at && {
      occurredAt: l.last_occurred_at,
      sequence: l.last_sequence === null ? null : Number(l.last_sequence),
    };
    const older =
      applied &&
      (n.occurred_at < applied.occurredAt ||
        (n.occurred_at === applied.occurredAt && Number(n.sequence ?? 0) < (applied.sequence ?? 0)));
    const settled: ChannelNotificationStatus = older ? "superseded" : "applied";
    const base = { linkId: l.id };
    let changes: unknown = null;
    let subscriptionId = l.subscription_id;

    if (!subscriptionId) {
      if (!folded.event || !isExternalEvent(folded.event)) {
        return { ...base, status: "parked", detail: "no notification has stated the subscription's status yet" };
      }
      if (!pre.sold) {
        return {
          ...base,
          status: "parked",
          detail: `unknown product ${JSON.stringify(pre.productId)}: map it to a price`,
        };
      }
      const { price, bundle } = pre.sold;
      const target = EXTERNAL_TARGETS[folded.event];
      const status: SubscriptionStatus = folded.trial && target === "active" ? "trial" : target;
      const at = folded.eventAt ?? n.occurred_at;
      const created = await o.subscriptions.external.insert(tx, scope, {
        channel: n.channel as Exclude<ChannelName, "direct">,
        customerId: l.customer_id!,
        storefrontId: n.storefront_id,
        price,
        bundle,
        status,
        period: folded.period ?? periodBounds(at, 1, price, 1),
        cancelAtPeriodEnd: folded.cancelAtPeriodEnd ?? false,
        endedAt: status === "cancelled" || status === "expired" ? at : null,
        correlationId,
      });
      subscriptionId = created.id;
      changes = { created: created.id, to: status };
    } else {
      const event = folded.event && isExternalEvent(folded.event) ? folded.event : null;
      const written = await o.subscriptions.external.write(tx, scope, subscriptionId, {
        event,
        trial: folded.trial,
        cancelAtPeriodEnd: folded.cancelAtPeriodEnd,
        period: folded.period,
        at: folded.eventAt ?? n.occurred_at,
        correlationId,
      });
      if (!written) throw new StaleApply();
      if (written.after !== written.before) {
        changes = {
          from: written.before.status,
          to: written.after.status,
          cancel_at_period_end: written.after.cancel_at_period_end === 1,
          current_period_end: written.after.current_period_end,
        };
      }
    }
    if (pre.replaced) {
      const ended = await replace(tx, scope, n, l, pre.replaced, correlationId);
      if (ended) changes = { ...(changes as object | null), replaced: ended };
    }
    const newest = folded.newest!;
    const moved = await repo.updateLinkIf(tx, scope, l, {
      subscription_id: subscriptionId,
      last_occurred_at: newest.occurredAt,
      last_sequence: newest.sequence,
      updated_at: scope.clock.now().toISOString(),
    });
    if (!moved) throw new StaleApply();
    return { ...base, status: settled, changes, subscriptionId };
  }

  /** Idempotent (a job may run twice): a notification already settled is left as it is. */
  return async function apply(
    scope: Scope,
    id: string,
    correlationId: string | null,
  ): Promise<ChannelNotificationStatus | undefined> {
    for (let round = 0; round < 5; round++) {
      try {
        const pre = await prepare(scope, id);
        return await db.transaction().execute(async (tx) => {
          const outcome = await applyIn(tx, scope, id, correlationId, pre);
          if (!outcome) return undefined;
          await settle(tx, scope, id, outcome);
          return outcome.status;
        });
      } catch (error) {
        if (!(error instanceof StaleApply) && !isUniqueViolation(error)) throw error;
      }
    }
    throw new Error(`notification ${id}: its link kept changing concurrently; the job retries`);
  };
}

/** A concurrent insert of the same link or subscription lost the race (both dialects' messages). */
function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${(error as { code?: string }).code ?? ""} ${error.message}` : "";
  return /23505|SQLITE_CONSTRAINT_UNIQUE|UNIQUE constraint failed/.test(text);
}
