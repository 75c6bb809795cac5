import type { ChannelEffect } from "../port.js";

/*
 * Google Play Real-Time Developer Notifications (developer.android.com/google/play/billing/
 * rtdn-reference). Play says a notification only tells that a purchase changed and that the
 * state must be read with purchases.subscriptionsv2.get: so every subscription type is a refetch,
 * and PLAY_STATE_EFFECTS maps the `subscriptionState` that answer carries. A revoke and a voided
 * purchase end access whatever the state says next.
 */

/** SubscriptionNotification.notificationType → name (our vendor_type). */
export const PLAY_NOTIFICATION_TYPES: Readonly<Record<number, string>> = Object.freeze({
  1: "SUBSCRIPTION_RECOVERED",
  2: "SUBSCRIPTION_RENEWED",
  3: "SUBSCRIPTION_CANCELED",
  4: "SUBSCRIPTION_PURCHASED",
  5: "SUBSCRIPTION_ON_HOLD",
  6: "SUBSCRIPTION_IN_GRACE_PERIOD",
  7: "SUBSCRIPTION_RESTARTED",
  8: "SUBSCRIPTION_PRICE_CHANGE_CONFIRMED",
  9: "SUBSCRIPTION_DEFERRED",
  10: "SUBSCRIPTION_PAUSED",
  11: "SUBSCRIPTION_PAUSE_SCHEDULE_CHANGED",
  12: "SUBSCRIPTION_REVOKED",
  13: "SUBSCRIPTION_EXPIRED",
  17: "SUBSCRIPTION_ITEMS_CHANGED",
  18: "SUBSCRIPTION_CANCELLATION_SCHEDULED",
  19: "SUBSCRIPTION_PRICE_CHANGE_UPDATED",
  20: "SUBSCRIPTION_PENDING_PURCHASE_CANCELED",
  22: "SUBSCRIPTION_PRICE_STEP_UP_CONSENT_UPDATED",
});

const REFETCH: ChannelEffect = Object.freeze({ event: null, refetch: true });

export const PLAY_MAPPING: Readonly<Record<string, ChannelEffect>> = Object.freeze({
  ...Object.fromEntries(Object.values(PLAY_NOTIFICATION_TYPES).map((type) => [type, REFETCH])),
  // Revoked before its expiry (a refund, a chargeback): access ends at once.
  SUBSCRIPTION_REVOKED: { event: "revoked" },
  // VoidedPurchaseNotification of a subscription: refunded or charged back.
  VOIDED_PURCHASE: { event: "refunded" },
});

/** Kept, marked ignored: not about a subscription's state. */
export const PLAY_NO_EFFECT: Readonly<Record<string, string>> = Object.freeze({
  TEST: "a test notification from the Play Console",
  ONE_TIME_PRODUCT: "a one-time product purchase, not a subscription",
});

/** purchases.subscriptionsv2 `subscriptionState` → effect (CANCELED keeps access until expiry). */
export const PLAY_STATE_EFFECTS: Readonly<Record<string, ChannelEffect>> = Object.freeze({
  SUBSCRIPTION_STATE_ACTIVE: { event: "external_renewed" },
  SUBSCRIPTION_STATE_IN_GRACE_PERIOD: { event: "external_grace" },
  SUBSCRIPTION_STATE_ON_HOLD: { event: "external_on_hold" },
  SUBSCRIPTION_STATE_PAUSED: { event: "paused" },
  SUBSCRIPTION_STATE_CANCELED: { event: "external_renewed", cancelAtPeriodEnd: true },
  SUBSCRIPTION_STATE_EXPIRED: { event: "external_expired" },
  // Not started yet, or never will: nothing to apply.
  SUBSCRIPTION_STATE_PENDING: { event: null },
  SUBSCRIPTION_STATE_PENDING_PURCHASE_CANCELED: { event: null },
  SUBSCRIPTION_STATE_UNSPECIFIED: { event: null },
});
