import type { Actor, ChannelName } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { withSystemAccess, withTenantAccess } from "../../db/access.js";
import type { ChannelNotificationRow, ChannelNotificationStatus, Db } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { enqueueJob, releaseDedupeKey } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import { type ApplyDeps, notificationApplier } from "./apply.js";
import type { ChannelLinkRef, ChannelSettings, InboundRequest } from "./port.js";
import { channelRepair, type RepairTuning } from "./repair.js";
import * as repo from "./repo.js";
import { channelTarget } from "./targets.js";

/** Events applied from a vendor's notification name the channel as their actor. */
export const channelActor = (channel: string): Actor => ({ type: "channel", id: channel });

export const APPLY_JOB = "channels.apply";
export const FOLLOW_UP_JOB = "channels.follow_up";
/** The inbox type of a status the vendor answered when asked (a repair), not one it pushed. */
export const REFETCH_TYPE = "REFETCH";

export interface Received {
  verified: boolean;
  /** For a refused request: the adapter's reason (answered 4xx, kept unverified). */
  code?: string;
  reason?: string;
  notifications: Array<{ id: string; vendor_event_id: string; duplicate: boolean }>;
}

/**
 * Subscription channels: every push a vendor sends is verified by its adapter, kept in the inbox
 * (raw, verified flag, what it changed), deduplicated on the vendor's event id, and applied by a
 * job (apply.ts). Parked notifications are retried when a link or a product mapping is added.
 */
export function channelsService(
  deps: Deps,
  o: Omit<ApplyDeps, "followUp"> & {
    storefronts: Pick<StorefrontsService, "requireStorefront" | "findOwner">;
    jobs: JobRegistry;
    scopeOf: (environmentId: string) => Promise<Scope | undefined>;
    events: Pick<EventsService, "subscribe">;
    /** The repair sweep's tuning (repair.ts); its defaults otherwise. */
    repair?: Partial<RepairTuning>;
  },
) {
  const { db } = deps;

  /** An adapter's follow-up for a vendor subscription, as a job the worker retries until it succeeds. */
  async function followUp(scope: Scope, link: ChannelLinkRef, name: string) {
    const now = scope.clock.now().toISOString();
    await enqueueJob(db, now, {
      type: FOLLOW_UP_JOB,
      payload: {
        channel: link.channel,
        storefront: link.storefrontId,
        vendor_subscription_id: link.vendorSubscriptionId,
        name,
      },
      runAt: now,
      scope,
      // One waiting job per follow-up and vendor subscription: the job frees the key when it
      // starts, so a need that comes after (a new purchase token, a job that failed for good) gets its own.
      dedupeKey: `${FOLLOW_UP_JOB}:${link.channel}:${name}:${link.vendorSubscriptionId}`,
      target: channelTarget(link.channel, link.storefrontId),
    });
  }
  const apply = notificationApplier(deps, { ...o, followUp });

  // A purchase can come before its customer exists: when the customer is made (or gets the external
  // id the app sent), the notifications parked for that hint are applied again.
  o.events.subscribe({
    name: "channels.parked-customers",
    types: ["customer.created", "customer.updated"],
    async handle(scope, event) {
      const c = event.data.object as { id?: string; storefront?: string; external_id?: string | null };
      if (!c.id || !c.storefront) return;
      const hints = [c.id, ...(c.external_id ? [c.external_id] : [])];
      const parked = await repo.listParkedForCustomer(db, scope, c.storefront, hints);
      await db.transaction().execute(async (tx) => {
        for (const n of parked) await enqueueApply(tx, scope, n, scope.correlationId ?? null);
      });
    },
  });

  o.jobs.register(FOLLOW_UP_JOB, async ({ job, payload, scope }) => {
    if (!scope) throw new Error(`${FOLLOW_UP_JOB} needs a scope`);
    await releaseDedupeKey(db, job.id);
    const p = payload as { channel: ChannelName; storefront: string; vendor_subscription_id: string; name: string };
    const run = o.registry.get(p.channel)?.followUps?.[p.name];
    if (!run) throw new Error(`the ${p.channel} adapter has no follow-up ${p.name}`);
    const link = { channel: p.channel, storefrontId: p.storefront, vendorSubscriptionId: p.vendor_subscription_id };
    await run(link, await o.settings(scope, p.storefront, p.channel));
  });

  /** The apply may ask the vendor (a refetch): it waits on the vendor's target like a follow-up. */
  async function enqueueApply(
    tx: Db,
    scope: Scope,
    n: Pick<ChannelNotificationRow, "id" | "channel" | "storefront_id">,
    correlationId: string | null,
  ) {
    await enqueueJob(tx, scope.clock.now().toISOString(), {
      type: APPLY_JOB,
      payload: { notification: n.id, correlation_id: correlationId },
      runAt: scope.clock.now().toISOString(),
      scope,
      target: channelTarget(n.channel, n.storefront_id),
    });
  }

  async function retryParked(
    scope: Scope,
    filter: Parameters<typeof repo.listParked>[2],
    correlationId: string | null,
  ) {
    const parked = await repo.listParked(db, scope, filter);
    await db.transaction().execute(async (tx) => {
      for (const n of parked) await enqueueApply(tx, scope, n, correlationId);
    });
    return parked.length;
  }

  async function applyAndFollow(outer: Scope, id: string, correlationId: string | null) {
    const found = await repo.findNotification(db, outer, id);
    if (!found) return undefined;
    const scope: Scope = { ...outer, actor: channelActor(found.channel) };
    const status = await apply(scope, id, correlationId);
    if (status === "applied" || status === "superseded") {
      // Notifications parked before the subscription existed are settled against it now.
      const n = await repo.findNotification(db, scope, id);
      if (n?.vendor_subscription_id) {
        await retryParked(scope, { channel: n.channel, vendorSubscriptionId: n.vendor_subscription_id }, correlationId);
      }
    }
    return status;
  }

  o.jobs.register(APPLY_JOB, async ({ payload, scope }) => {
    if (!scope) throw new Error(`${APPLY_JOB} needs a scope`);
    const p = payload as { notification: string; correlation_id: string | null };
    await applyAndFollow(scope, p.notification, p.correlation_id);
  });

  const service = {
    /**
     * Verifies a vendor's push for one storefront and keeps what it carries; the apply jobs are
     * scheduled in the same transaction. A duplicate delivery is answered like the first.
     */
    async receive(
      scope: Scope,
      input: { channel: ChannelName; storefrontId: string; request: InboundRequest; settings: ChannelSettings },
    ): Promise<Received> {
      const storefront = await o.storefronts.requireStorefront(scope, input.storefrontId);
      if (!storefront.channels.includes(input.channel)) {
        throw new ApiError("CHANNEL_NOT_ENABLED", `Storefront "${storefront.key}" does not enable ${input.channel}`);
      }
      const adapter = o.registry.get(input.channel);
      if (!adapter) throw new ApiError("UNPROCESSABLE", `No adapter is registered for the ${input.channel} channel`);
      const now = scope.clock.now().toISOString();
      const correlationId = scope.requestId ?? null;
      const common = {
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: storefront.id,
        channel: input.channel,
        raw: input.request.body,
        received_at: now,
        link_id: null,
        subscription_id: null,
        changes: null,
        applied_at: null,
      };
      const verification = await adapter.verify(input.request, input.settings);
      if (!verification.verified) {
        const id = newId("channel_notification");
        // Kept, so a forged or misconfigured push can be seen; never applied.
        await repo.insertNotification(db, {
          ...common,
          id,
          vendor_event_id: `unverified:${id}`,
          vendor_subscription_id: null,
          vendor_type: "unverified",
          vendor_subtype: null,
          event: null,
          occurred_at: now,
          sequence: null,
          product_id: null,
          customer_hint: null,
          period_start: null,
          period_end: null,
          verified: 0,
          status: "rejected",
          detail: `${verification.code}: ${verification.reason}`,
        });
        return { verified: false, code: verification.code, reason: verification.reason, notifications: [] };
      }
      const notifications = await db.transaction().execute(async (tx) => {
        const out: Received["notifications"] = [];
        for (const n of verification.notifications) {
          const id = newId("channel_notification");
          const inserted = await repo.insertNotification(tx, {
            ...common,
            id,
            vendor_event_id: n.vendorEventId,
            vendor_subscription_id: n.vendorSubscriptionId,
            vendor_type: n.vendorType,
            vendor_subtype: n.vendorSubtype,
            event: adapter.map(n).event,
            occurred_at: n.occurredAt,
            sequence: n.sequence,
            product_id: n.productId,
            customer_hint: n.customerHint,
            period_start: n.period?.start ?? null,
            period_end: n.period?.end ?? null,
            verified: 1,
            status: "received",
            detail: null,
          });
          if (inserted) {
            await enqueueApply(tx, scope, { id, channel: input.channel, storefront_id: storefront.id }, correlationId);
          }
          const kept = inserted
            ? id
            : (await repo.findNotificationByVendorId(tx, scope, input.channel, n.vendorEventId))!.id;
          out.push({ id: kept, vendor_event_id: n.vendorEventId, duplicate: !inserted });
        }
        return out;
      });
      return { verified: true, notifications };
    },

    /**
     * A vendor's push to a storefront's public notification route: the storefront names the tenant
     * and environment (looked up across tenants: the vendor holds no key of ours), the
     * storefront's settings verify it. A refused push is kept unverified and answered 401.
     */
    async receiveFor(
      channel: ChannelName,
      storefrontId: string,
      request: InboundRequest,
      requestId: string | undefined,
    ): Promise<{ scope: Scope; received: Received }> {
      const owner = await withSystemAccess(() => o.storefronts.findOwner(storefrontId));
      const found = owner && (await withSystemAccess(() => o.scopeOf(owner.environmentId)));
      if (!owner || !found) throw notFound("storefront", storefrontId);
      const scope: Scope = {
        ...found,
        actor: channelActor(channel),
        ...(requestId && { requestId, correlationId: requestId, causationId: requestId }),
      };
      const received = await withTenantAccess(scope, async () =>
        service.receive(scope, {
          channel,
          storefrontId: owner.id,
          request,
          settings: await o.settings(scope, owner.id, channel),
        }),
      );
      if (!received.verified) {
        throw new ApiError("CHANNEL_NOTIFICATION_REFUSED", `${received.code}: ${received.reason}`);
      }
      return { scope, received };
    },

    /**
     * Repairs a subscription from the vendor's current status (a missed notification): the answer
     * is kept in the inbox like a notification, dated when it was observed, and applied now.
     */
    async refetch(scope: Scope, subscriptionId: string): Promise<ChannelNotificationRow> {
      const l = await repo.findLinkOfSubscription(db, scope, subscriptionId);
      if (!l) throw new ApiError("UNPROCESSABLE", `Subscription ${subscriptionId} is not run by a vendor's channel`);
      const channel = l.channel as ChannelName;
      const adapter = o.registry.get(channel);
      if (!adapter?.refetch) throw new ApiError("UNPROCESSABLE", `The ${channel} channel cannot be asked for a status`);
      const status = await adapter.refetch(
        { channel, vendorSubscriptionId: l.vendor_subscription_id, storefrontId: l.storefront_id },
        await o.settings(scope, l.storefront_id, channel),
      );
      const observedAt = status.observedAt ?? scope.clock.now().toISOString();
      for (const name of status.followUps ?? []) {
        await followUp(
          scope,
          { channel, vendorSubscriptionId: l.vendor_subscription_id, storefrontId: l.storefront_id },
          name,
        );
      }
      const id = newId("channel_notification");
      await repo.insertNotification(db, {
        id,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: l.storefront_id,
        channel,
        vendor_event_id: `refetch:${id}`,
        vendor_subscription_id: l.vendor_subscription_id,
        vendor_type: REFETCH_TYPE,
        vendor_subtype: null,
        event: status.event,
        occurred_at: observedAt,
        sequence: null,
        product_id: null,
        customer_hint: null,
        period_start: status.period?.start ?? null,
        period_end: status.period?.end ?? null,
        raw: toJson(status),
        verified: 1,
        status: "received",
        detail: null,
        link_id: l.id,
        subscription_id: null,
        changes: null,
        received_at: scope.clock.now().toISOString(),
        applied_at: null,
        resolved_effect: toJson({ ...status, observedAt }),
      });
      await applyAndFollow(scope, id, scope.requestId ?? null);
      return (await repo.findNotification(db, scope, id))!;
    },

    /** Applies one notification now (the job does the same); its status after. */
    apply: (scope: Scope, id: string): Promise<ChannelNotificationStatus | undefined> =>
      applyAndFollow(scope, id, scope.requestId ?? null),

    /** Ties a vendor subscription to our customer; its parked notifications are retried. */
    async link(
      scope: Scope,
      input: { channel: ChannelName; storefrontId: string; vendorSubscriptionId: string; customerId: string },
    ): Promise<{ retried: number }> {
      const customer = await o.customers.requireCustomer(scope, input.customerId);
      if (customer.storefront !== input.storefrontId) {
        throw new ApiError("VALIDATION_FAILED", `Customer ${customer.id} belongs to another storefront`, {
          errors: [{ path: "customer", message: "belongs to another storefront" }],
        });
      }
      const now = scope.clock.now().toISOString();
      const found = await repo.findLink(db, scope, input.channel, input.vendorSubscriptionId);
      if (found?.customer_id && found.customer_id !== customer.id) {
        throw new ApiError("CONFLICT", `${input.vendorSubscriptionId} is linked to another customer`);
      }
      if (found && !found.customer_id) {
        if (!(await repo.updateLinkIf(db, scope, found, { customer_id: customer.id, updated_at: now }))) {
          throw new ApiError("CONFLICT", "The link changed concurrently; retry");
        }
      } else if (!found) {
        await repo.insertLink(db, {
          id: newId("channel_link"),
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          channel: input.channel,
          vendor_subscription_id: input.vendorSubscriptionId,
          vendor_customer_id: null,
          storefront_id: input.storefrontId,
          customer_id: customer.id,
          subscription_id: null,
          last_occurred_at: null,
          last_sequence: null,
          version: 1,
          created_at: now,
          updated_at: now,
        });
      }
      const filter = { channel: input.channel, vendorSubscriptionId: input.vendorSubscriptionId };
      return { retried: await retryParked(scope, filter, scope.requestId ?? null) };
    },

    /** Maps a vendor product to one of our prices for a storefront; its parked notifications are retried. */
    async mapProduct(
      scope: Scope,
      input: { channel: ChannelName; storefrontId: string; vendorProductId: string; priceId: string },
    ): Promise<{ retried: number }> {
      await o.storefronts.requireStorefront(scope, input.storefrontId);
      await o.catalog.getPrice(scope, input.priceId);
      await repo.upsertProduct(db, {
        id: newId("channel_product"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: input.storefrontId,
        channel: input.channel,
        vendor_product_id: input.vendorProductId,
        price_id: input.priceId,
        created_at: scope.clock.now().toISOString(),
      });
      const filter = { channel: input.channel, productId: input.vendorProductId };
      return { retried: await retryParked(scope, filter, scope.requestId ?? null) };
    },

    /** Every notification that concerned a subscription, in the vendor's order. */
    async listNotifications(scope: Scope, subscriptionId: string): Promise<ChannelNotificationRow[]> {
      const l = await repo.findLinkOfSubscription(db, scope, subscriptionId);
      if (!l) return [];
      return repo.listVendorHistory(db, scope, l.channel, l.vendor_subscription_id);
    },

    findNotification: (scope: Scope, id: string) => repo.findNotification(db, scope, id),
    findLink: (scope: Scope, channel: ChannelName, vendorSubscriptionId: string) =>
      repo.findLink(db, scope, channel, vendorSubscriptionId),
    findLinkOfSubscription: (scope: Scope, subscriptionId: string) =>
      repo.findLinkOfSubscription(db, scope, subscriptionId),
  };

  const repairs = channelRepair(deps, {
    registry: o.registry,
    jobs: o.jobs,
    scopeOf: o.scopeOf,
    refetch: (scope, subscriptionId) => service.refetch(scope, subscriptionId),
    ...(o.repair && { tuning: o.repair }),
  });
  return {
    ...service,
    /** Starts the periodic repair sweep (the long-running worker does, once). */
    scheduleRepairSweep: () => repairs.scheduleSweep(),
    /** One storefront channel's repair now (what the sweep's job runs). */
    repair: repairs.repair,
  };
}

export type ChannelsService = ReturnType<typeof channelsService>;
