/**
 * Every lifecycle event type, defined once. Webhook endpoints filter on these; docs/webhooks.md
 * is the catalog. An event is immutable and written in the same transaction as the change; consumers
 * (webhooks, entitlement pushes) are fed from committed events by jobs.
 */
export const EVENT_TYPES = [
  "customer.created",
  "customer.updated",
  "customer.deleted",
  "subscription.created",
  "subscription.trial_started",
  "subscription.activated",
  "subscription.renewed",
  "subscription.grace_started",
  "subscription.recovered",
  "subscription.suspended",
  "subscription.cancel_scheduled",
  "subscription.cancel_unscheduled",
  "subscription.cancelled",
  "subscription.expired",
  "subscription.plan_changed",
  "subscription.plan_change_scheduled",
  "subscription.plan_change_cancelled",
  "subscription.payment_method_updated",
  "payment.succeeded",
  "payment.authorized",
  "payment.captured",
  "payment.voided",
  "payment.failed",
  "payment.pending",
  "payment.refunded",
  "payment.settled",
  "payment.disputed",
  "payment.dispute_closed",
  "payment_method.attached",
  "payment_method.updated",
  "payment_method.detached",
  "invoice.created",
  "invoice.paid",
  // Fiscal invoicing (docs/invoicing.md): one invoice per captured charge, one credit note per refund.
  "invoice.issued",
  "invoice.fiscalized",
  "invoice.fiscalization_failed",
  "invoice.cancelled",
  "credit_note.issued",
  "entitlements.changed",
  "grant.created",
  "grant.revoked",
  "webhook_endpoint.disabled",
  "test_clock.advanced",
  // Pushed after commit whenever a customer's effective entitlements change (docs/webhooks.md).
  "customer.entitlements_updated",
  // Configuration changes: who changed what, never a secret value.
  "api_key.created",
  "api_key.revoked",
  "webhook_endpoint.created",
  "webhook_endpoint.updated",
  "webhook_endpoint.deleted",
  "webhook_endpoint.secret_rotated",
  "storefront.created",
  "storefront.updated",
  "storefront.credentials_updated",
  "storefront.deleted",
  "storefront.payment_routing_updated",
  "entitlement.created",
  "entitlement.updated",
  "entitlement.deleted",
  "bundle.created",
  "bundle.updated",
  "bundle.deleted",
  "price.created",
  "price.updated",
  "signing_key.rotated",
  "tenant.created",
  "environment.created",
  "test_clock.reset",
  // Privacy (docs/privacy.md): an export archive is ready to download once; a customer was erased.
  "customer.privacy_export_ready",
  "customer.erased",
  // Consent records (docs/privacy.md "Consent"): one event per recorded change.
  "consent.granted",
  "consent.withdrawn",
  // Retention (docs/privacy.md "Retention"): what a run removed or anonymized.
  "retention.applied",
  // Trial eligibility (docs/campaigns.md "Trials"): decided when a subscription asks for a trial.
  "trial.eligibility_decided",
  // Campaigns (docs/campaigns.md): coupons and codes changed, discounts put on and ended, offers issued.
  "coupon.created",
  "coupon.updated",
  "coupon.archived",
  "coupon.deleted",
  "promotion_code.created",
  "promotion_code.archived",
  "discount.applied",
  "discount.removed",
  "discount.ended",
  "campaign_offer.issued",
  // Safe mode (docs/privacy.md "Safe mode"): an operator held or released new charges.
  "safe_mode.entered",
  "safe_mode.exited",
  // Price changes for existing subscribers (docs/price-changes.md): one event per step of each subscription.
  "subscription.price_change_scheduled",
  "subscription.price_change_consented",
  "subscription.price_change_declined",
  "subscription.price_change_applied",
  "subscription.price_change_expired",
  "price_migration.completed",
] as const;

/** Who made a change: every event records its actor. */
export const ACTOR_TYPES = ["api_key", "user", "platform_key", "system", "channel", "provider"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
export interface Actor {
  type: ActorType;
  id: string;
  label?: string | undefined;
}

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
