import { createHmac, timingSafeEqual } from "node:crypto";
import type { ChannelName } from "@tessera/core";
import {
  type ChannelAdapter,
  type ChannelEffect,
  type ChannelNotification,
  type InboundRequest,
  mapByTable,
  type VendorStatus,
} from "../src/modules/channels/port.js";

/*
 * A vendor that lives in memory, for the channel contract and convergence tests only (never
 * registered by the app). It speaks a small wire format of its own — a JSON batch signed with
 * HMAC-SHA256 in `x-memory-signature` — with the kinds of notifications stores send: subscribe
 * (initial, trial, resubscribe), renew, billing grace / on hold, pause, expire, refund, revoke,
 * auto-renew off/on and a notice that changes nothing.
 */

export const MEMORY_MAPPING: Readonly<Record<string, ChannelEffect>> = {
  "SUBSCRIBED/INITIAL_BUY": { event: "external_renewed", cancelAtPeriodEnd: false },
  "SUBSCRIBED/TRIAL": { event: "external_renewed", trial: true, cancelAtPeriodEnd: false },
  "SUBSCRIBED/RESUBSCRIBE": { event: "resubscribed", cancelAtPeriodEnd: false },
  DID_RENEW: { event: "external_renewed" },
  "DID_FAIL_TO_RENEW/GRACE_PERIOD": { event: "external_grace" },
  DID_FAIL_TO_RENEW: { event: "external_on_hold" },
  PAUSED: { event: "paused" },
  EXPIRED: { event: "external_expired" },
  REFUND: { event: "refunded" },
  REVOKE: { event: "revoked" },
  "RENEWAL_STATUS/AUTO_RENEW_DISABLED": { event: null, cancelAtPeriodEnd: true },
  "RENEWAL_STATUS/AUTO_RENEW_ENABLED": { event: null, cancelAtPeriodEnd: false },
};

/** One notification as the memory vendor puts it on the wire. */
export interface MemoryWire {
  id: string;
  subscription: string | null;
  at: string;
  seq?: number;
  type: string;
  subtype?: string;
  product?: string;
  customer?: string;
  period?: { start: string; end: string };
}

export function signMemory(secret: string, batch: MemoryWire[]): InboundRequest {
  const body = JSON.stringify({ notifications: batch });
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  return { headers: { "content-type": "application/json", "x-memory-signature": signature }, body };
}

function toNotification(w: MemoryWire): ChannelNotification {
  return {
    vendorEventId: w.id,
    vendorSubscriptionId: w.subscription,
    occurredAt: new Date(w.at).toISOString(),
    sequence: w.seq ?? null,
    vendorType: w.type,
    vendorSubtype: w.subtype ?? null,
    productId: w.product ?? null,
    customerHint: w.customer ?? null,
    period: w.period,
    raw: w,
  };
}

/**
 * `status`: what the vendor answers when asked (refetch) for a vendor subscription id; with it the
 * adapter can refetch, and maps `CHANGED` (a push that says only "something changed") to a refetch.
 */
export function memoryChannel(
  name: ChannelName,
  options: { status?: (vendorSubscriptionId: string) => VendorStatus } = {},
): ChannelAdapter {
  const mapping: Record<string, ChannelEffect> = options.status
    ? { ...MEMORY_MAPPING, CHANGED: { event: null, refetch: true } }
    : MEMORY_MAPPING;
  const status = options.status;
  return {
    name,
    capabilities: { notifications: true, refetch: status !== undefined, managedBy: "vendor" },
    mapping,
    ...(status && { refetch: async (link) => status(link.vendorSubscriptionId) }),
    async verify(request, settings) {
      const secret = settings.credentials.secret;
      if (!secret) return { verified: false, code: "NOT_CONFIGURED", reason: "the channel has no secret" };
      const given = Buffer.from(request.headers["x-memory-signature"] ?? "", "hex");
      const expected = createHmac("sha256", secret).update(request.body).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { verified: false, code: "BAD_SIGNATURE", reason: "x-memory-signature does not match the body" };
      }
      let parsed: { notifications?: MemoryWire[] };
      try {
        parsed = JSON.parse(request.body);
      } catch {
        return { verified: false, code: "MALFORMED", reason: "the body is not JSON" };
      }
      if (!Array.isArray(parsed.notifications)) {
        return { verified: false, code: "MALFORMED", reason: "no notifications array" };
      }
      return { verified: true, notifications: parsed.notifications.map(toNotification) };
    },
    map: (n) => mapByTable(mapping, n),
  };
}
