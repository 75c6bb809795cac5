/**
 * Every lifecycle event type, defined once. Webhook endpoints filter on these; docs/webhooks.md
 * is the catalog. An event is immutable and written in the same transaction as the change.
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
  "payment.failed",
  "payment.pending",
  "payment.refunded",
  "invoice.created",
  "invoice.paid",
  "entitlements.changed",
  "grant.created",
  "grant.revoked",
  "webhook_endpoint.disabled",
  "test_clock.advanced",
  "test_clock.reset",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
