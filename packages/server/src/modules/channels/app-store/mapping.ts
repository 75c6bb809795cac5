import type { ChannelEffect } from "../port.js";

/*
 * App Store Server Notifications V2 → our state machine (Apple's "notificationType" and
 * "subtype" reference, developer.apple.com/documentation/appstoreservernotifications). One row
 * per type or TYPE/SUBTYPE; the subtype row wins. Every other type Apple lists is in
 * APP_STORE_NO_EFFECT: kept in the inbox, marked ignored, never guessed.
 */
export const APP_STORE_MAPPING: Readonly<Record<string, ChannelEffect>> = Object.freeze({
  // A first purchase (or a family member's) and a purchase after it lapsed: access, renewing.
  "SUBSCRIBED/INITIAL_BUY": { event: "external_renewed", cancelAtPeriodEnd: false },
  "SUBSCRIBED/RESUBSCRIBE": { event: "resubscribed", cancelAtPeriodEnd: false },
  // The first period is a free trial (the transaction's offerDiscountType, see verify.ts's
  // `offerQualifier`): trial until DID_RENEW reports the first paid period. Introductory prices
  // (PAY_AS_YOU_GO, PAY_UP_FRONT) are paid: those stay on the rows above, active.
  "SUBSCRIBED/INITIAL_BUY/FREE_TRIAL": { event: "external_renewed", trial: true, cancelAtPeriodEnd: false },
  "SUBSCRIBED/RESUBSCRIBE/FREE_TRIAL": { event: "resubscribed", trial: true, cancelAtPeriodEnd: false },
  // Renewed; BILLING_RECOVERY: a renewal that had failed went through after billing retry.
  DID_RENEW: { event: "external_renewed" },
  "DID_RENEW/BILLING_RECOVERY": { event: "external_renewed" },
  // Renewal failed: without subtype Apple retries without access; GRACE_PERIOD keeps access.
  DID_FAIL_TO_RENEW: { event: "external_on_hold" },
  "DID_FAIL_TO_RENEW/GRACE_PERIOD": { event: "external_grace" },
  // Grace ran out while Apple still retries: access ends, the subscription is not over.
  GRACE_PERIOD_EXPIRED: { event: "external_on_hold" },
  EXPIRED: { event: "external_expired" },
  "EXPIRED/VOLUNTARY": { event: "external_expired" },
  "EXPIRED/BILLING_RETRY": { event: "external_expired" },
  "EXPIRED/PRICE_INCREASE": { event: "external_expired" },
  "EXPIRED/PRODUCT_NOT_FOR_SALE": { event: "external_expired" },
  "DID_CHANGE_RENEWAL_STATUS/AUTO_RENEW_DISABLED": { event: null, cancelAtPeriodEnd: true },
  "DID_CHANGE_RENEWAL_STATUS/AUTO_RENEW_ENABLED": { event: null, cancelAtPeriodEnd: false },
  // An upgrade takes effect at once with a new transaction; a downgrade waits for renewal (no row).
  "DID_CHANGE_RENEWAL_PREF/UPGRADE": { event: "external_renewed" },
  // Offer codes: a new subscription, a return, or an immediate upgrade.
  "OFFER_REDEEMED/INITIAL_BUY": { event: "external_renewed", cancelAtPeriodEnd: false },
  "OFFER_REDEEMED/RESUBSCRIBE": { event: "resubscribed", cancelAtPeriodEnd: false },
  "OFFER_REDEEMED/INITIAL_BUY/FREE_TRIAL": { event: "external_renewed", trial: true, cancelAtPeriodEnd: false },
  "OFFER_REDEEMED/RESUBSCRIBE/FREE_TRIAL": { event: "resubscribed", trial: true, cancelAtPeriodEnd: false },
  "OFFER_REDEEMED/UPGRADE": { event: "external_renewed" },
  REFUND: { event: "refunded" },
  // A refund was reversed: whether access returns depends on where the subscription is now.
  REFUND_REVERSED: { event: null, refetch: true },
  REVOKE: { event: "revoked" },
  // The merchant extended the renewal date: the transaction carries the new expiry.
  RENEWAL_EXTENDED: { event: "external_renewed" },
});

/** Types Apple sends that change no status here (kept, marked ignored), with why. */
export const APP_STORE_NO_EFFECT: Readonly<Record<string, string>> = Object.freeze({
  "DID_CHANGE_RENEWAL_PREF/DOWNGRADE": "takes effect at the next renewal, which DID_RENEW reports",
  DID_CHANGE_RENEWAL_PREF: "the customer went back to their current product",
  "OFFER_REDEEMED/DOWNGRADE": "takes effect at the next renewal",
  OFFER_REDEEMED: "an offer on the active subscription: no change of status",
  "PRICE_INCREASE/PENDING": "the customer has not consented yet; EXPIRED/PRICE_INCREASE follows if they never do",
  "PRICE_INCREASE/ACCEPTED": "consent given: renewals go on",
  REFUND_DECLINED: "the refund request was declined: nothing changed",
  CONSUMPTION_REQUEST: "Apple asks for consumption data for a refund request; answered by the merchant",
  "RENEWAL_EXTENSION/SUMMARY": "a mass extension finished; each subscription gets RENEWAL_EXTENDED",
  "RENEWAL_EXTENSION/FAILURE": "one subscription's mass extension failed: nothing changed",
  TEST: "a test notification requested from App Store Connect or the API",
  METADATA_UPDATE: "advanced commerce metadata changed",
  MIGRATION: "advanced commerce migration",
  PRICE_CHANGE: "advanced commerce price change",
  RESCIND_CONSENT: "a parent withdrew consent (Declared Age Range); no subscription state",
  ONE_TIME_CHARGE: "a one-time purchase, not a subscription",
  EXTERNAL_PURCHASE_TOKEN: "external purchase reporting, not a subscription",
});
