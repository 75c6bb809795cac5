import type { ChannelName, SubscriptionEvent } from "@tessera/core";

/*
 * The channel port: what Tessera needs from a vendor that runs subscriptions itself (App Store,
 * Google Play, PayPal, a carrier) — or from our own billing, the `direct` channel. An adapter
 * turns the vendor's pushes into notifications and its types into our state-machine events; the
 * channels service does the rest (inbox, dedupe, links, ordering, applying), the same for all.
 */

/** A push as it reached us: signatures cover the raw bytes, so the body is kept as received. */
export interface InboundRequest {
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** A storefront's settings for one channel: public config (bundle id, package name, API base URL) and secrets. */
export interface ChannelSettings {
  config: Readonly<Record<string, string | number | boolean>>;
  credentials: Readonly<Record<string, string>>;
}

/** One vendor notification, verified and decoded; not yet mapped or applied. */
export interface ChannelNotification {
  /** The vendor's id of this notification (notificationUUID, Pub/Sub messageId, webhook event id): the dedupe key. */
  vendorEventId: string;
  /** The vendor's id of the subscription (originalTransactionId, purchaseToken, I-…); null for a test ping. */
  vendorSubscriptionId: string | null;
  /** The vendor's time of the change (signedDate, eventTimeMillis, create_time), ISO-8601 UTC. */
  occurredAt: string;
  /** The vendor's own order within one instant, when it has one. */
  sequence: number | null;
  vendorType: string;
  vendorSubtype: string | null;
  /** The vendor's product id, looked up in the storefront's product map. */
  productId: string | null;
  /** What the vendor carries of our customer (appAccountToken, obfuscatedExternalAccountId, custom_id). */
  customerHint: string | null;
  /** Stated by the vendor with this notification; undefined when it does not say. */
  period?: { start: string; end: string } | undefined;
  /** The decoded payload, kept in the inbox. */
  raw: unknown;
}

/** A failed check is data: the request is kept unverified and answered 4xx; nothing is applied. */
export type Verification =
  | { verified: true; notifications: ChannelNotification[] }
  | { verified: false; code: string; reason: string };

/** What one row of a mapping table does to the subscription. */
export interface ChannelEffect {
  /** The state-machine event; null: the status stays (a renewal preference, a price-consent notice). */
  event: SubscriptionEvent | null;
  /** The subscription starts in a trial (only read when the notification creates it). */
  trial?: boolean;
  /** Auto-renew turned off (true) or back on (false). */
  cancelAtPeriodEnd?: boolean;
  /** The notification does not carry the state: ask the vendor (`refetch`) before applying. */
  refetch?: boolean;
}

/** The vendor's current view of one subscription, when it can be asked (Play subscriptionsv2.get). */
export interface VendorStatus extends ChannelEffect {
  /**
   * When the vendor says this state held (Apple's signedDate); absent when it does not date its
   * answer (Play): then our clock stamps it. Refetched states are ordered by this time.
   */
  observedAt?: string | undefined;
  period?: { start: string; end: string } | undefined;
  /** What the notification itself did not carry (Play's product and obfuscated account id). */
  productId?: string | undefined;
  customerHint?: string | undefined;
  /**
   * The vendor subscription this one replaces (Play's `linkedPurchaseToken`): that one stops
   * granting when this one starts (replace.ts).
   */
  replaces?: string | undefined;
  /** Follow-up work the adapter must do for this subscription (a key of `followUps`), retried as jobs. */
  followUps?: string[] | undefined;
}

export interface ChannelLinkRef {
  channel: ChannelName;
  vendorSubscriptionId: string;
  storefrontId: string;
}

export interface ChannelCapabilities {
  /** The vendor pushes notifications that `verify` accepts. */
  notifications: boolean;
  /** `refetch` asks the vendor for a subscription's current status. */
  refetch: boolean;
  /** Who charges and decides renewals: our billing (direct) or the vendor. */
  managedBy: "tessera" | "vendor";
}

export interface ChannelAdapter {
  readonly name: ChannelName;
  readonly capabilities: ChannelCapabilities;
  /**
   * Vendor type → effect, kept in code next to the adapter with a test per row. Keys are
   * `TYPE` or `TYPE/SUBTYPE`; the subtype row wins over the type row.
   */
  readonly mapping: Readonly<Record<string, ChannelEffect>>;
  verify(request: InboundRequest, settings: ChannelSettings): Promise<Verification>;
  /** The effect of a notification; a type the table lacks changes nothing (it is kept, marked ignored). */
  map(notification: Pick<ChannelNotification, "vendorType" | "vendorSubtype">): ChannelEffect;
  refetch?(link: ChannelLinkRef, settings: ChannelSettings): Promise<VendorStatus>;
  /**
   * Work a vendor requires after it was asked (Play: acknowledge a new purchase within three
   * days), run by a job that retries until it succeeds; named in `VendorStatus.followUps`.
   */
  followUps?: Readonly<Record<string, (link: ChannelLinkRef, settings: ChannelSettings) => Promise<void>>>;
  /**
   * What is wrong with a storefront's settings for this channel (a missing bundle id, a sandbox
   * environment in production); checked when they are set. Empty when they are usable.
   */
  checkSettings?(settings: ChannelSettings, context: { production: boolean }): Array<{ path: string; message: string }>;
}

const NO_EFFECT: ChannelEffect = Object.freeze({ event: null });

/**
 * `map` by a table: the most specific row first. A subtype may carry an adapter's qualifier after
 * the vendor's own subtype (`INITIAL_BUY/FREE_TRIAL`): then `TYPE/INITIAL_BUY/FREE_TRIAL`, else
 * `TYPE/INITIAL_BUY`, else `TYPE`, else no effect.
 */
export function mapByTable(
  table: Readonly<Record<string, ChannelEffect>>,
  n: Pick<ChannelNotification, "vendorType" | "vendorSubtype">,
): ChannelEffect {
  const parts = n.vendorSubtype !== null ? n.vendorSubtype.split("/") : [];
  for (let i = parts.length; i > 0; i--) {
    const row = table[`${n.vendorType}/${parts.slice(0, i).join("/")}`];
    if (row) return row;
  }
  return table[n.vendorType] ?? NO_EFFECT;
}

/** Whether the effect changes anything at all (else the notification is kept as ignored). */
export function hasEffect(effect: ChannelEffect): boolean {
  return effect.event !== null || effect.cancelAtPeriodEnd !== undefined || effect.refetch === true;
}
