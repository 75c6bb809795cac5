import type { SubscriptionEvent } from "@tessera/core";
import type { ChannelEffect } from "./port.js";

/*
 * Vendors deliver at least once and in any order. Instead of applying each notification on top
 * of the last (which makes the result depend on arrival order), every apply recomputes the
 * vendor's state from all the notifications kept for the link, in the vendor's order: the same
 * set gives the same state whatever order it came in, and a duplicate changes nothing.
 */

export interface Ordered {
  occurredAt: string;
  sequence: number | null;
  vendorEventId: string;
}

export interface Folded {
  /** The newest status-bearing event; null when no notification said anything of the status. */
  event: SubscriptionEvent | null;
  /** When that event happened (vendor time). */
  eventAt: string | null;
  /** The newest notification that carried it was a trial start. */
  trial: boolean;
  cancelAtPeriodEnd: boolean | undefined;
  period: { start: string; end: string } | undefined;
  /** The newest notification of all (the link's watermark). */
  newest: Ordered | undefined;
}

/** The vendor's order: time, then its sequence, then the id (so equal stamps still sort one way). */
export function compareOrder(a: Ordered, b: Ordered): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  const sa = a.sequence ?? 0;
  const sb = b.sequence ?? 0;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.vendorEventId < b.vendorEventId ? -1 : a.vendorEventId > b.vendorEventId ? 1 : 0;
}

export function fold(
  items: ReadonlyArray<Ordered & { effect: ChannelEffect; period?: { start: string; end: string } | undefined }>,
): Folded {
  const sorted = [...items].sort(compareOrder);
  const out: Folded = {
    event: null,
    eventAt: null,
    trial: false,
    cancelAtPeriodEnd: undefined,
    period: undefined,
    newest: undefined,
  };
  for (const item of sorted) {
    if (item.effect.event) {
      out.event = item.effect.event;
      out.eventAt = item.occurredAt;
      out.trial = item.effect.trial === true;
    }
    if (item.effect.cancelAtPeriodEnd !== undefined) out.cancelAtPeriodEnd = item.effect.cancelAtPeriodEnd;
    if (item.period) out.period = item.period;
    out.newest = item;
  }
  return out;
}
