import { DIRECT_EVENTS, type DirectEvent } from "@tessera/core";
import { type ChannelAdapter, type ChannelEffect, mapByTable } from "../port.js";

/**
 * The direct channel: subscriptions our own billing runs (modules/billing charges, retries and
 * moves them through the subscriptions store). No vendor pushes anything for them, so `verify`
 * refuses every request; the mapping table is the identity of our own events, kept so that
 * every channel answers the same port and the contract suite holds direct to it too.
 */
export const DIRECT_MAPPING: Readonly<Record<DirectEvent, ChannelEffect>> = Object.freeze(
  Object.fromEntries(DIRECT_EVENTS.map((event) => [event, Object.freeze({ event })])) as Record<
    DirectEvent,
    ChannelEffect
  >,
);

export const directChannel: ChannelAdapter = {
  name: "direct",
  capabilities: { notifications: false, refetch: false, managedBy: "tessera" },
  mapping: DIRECT_MAPPING,
  async verify() {
    return {
      verified: false,
      code: "NO_NOTIFICATIONS",
      reason: "direct subscriptions are run by Tessera's own billing; nothing posts notifications for them",
    };
  },
  map: (n) => mapByTable(DIRECT_MAPPING, n),
};
