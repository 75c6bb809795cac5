import type { CampaignTrigger, EventType, Subscription } from "@tessera/core";
import type { EventConsumer } from "../events/index.js";
import type { CampaignsService } from "./service.js";

/** Which committed events hit which trigger. */
const TRIGGERS: Partial<Record<EventType, CampaignTrigger>> = {
  "subscription.cancelled": "win_back",
  "subscription.expired": "win_back",
  "subscription.grace_started": "dunning_recovery",
  "subscription.plan_changed": "upgrade",
};

/**
 * Scoped triggers fed from committed events: each issues the subscription's customer an offer for
 * every active coupon with that trigger. At least once: a redelivered event can issue again only
 * within the coupon's `max_offers_per_customer`, which bounds it.
 */
export function campaignTriggersConsumer(campaigns: Pick<CampaignsService, "trigger">): EventConsumer {
  return {
    name: "campaign-triggers",
    types: Object.keys(TRIGGERS) as EventType[],
    async handle(scope, event) {
      const trigger = TRIGGERS[event.type];
      const subscription = event.data.object as unknown as Subscription;
      if (!trigger || !subscription.customer) return;
      await campaigns.trigger(scope, subscription.customer, trigger);
    },
  };
}
