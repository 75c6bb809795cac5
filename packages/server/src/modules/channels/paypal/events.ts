import type { PayPalSubscription } from "./api.js";

/*
 * PayPal webhook events in the `event` schema (notifications_webhooks_v1.json) with the resources
 * PayPal attaches: a `subscription` for BILLING.SUBSCRIPTION.*, a `sale` or a `refund` for
 * PAYMENT.SALE.*. For the tests and the simulator, which post what PayPal would post.
 */

type Json = Record<string, unknown>;

const stamp = (at: Date) => at.toISOString().replace(/\.\d+Z$/, "Z");

export function subscriptionEvent(
  eventType: string,
  subscription: PayPalSubscription,
  o: { id: string; at: Date },
): Json {
  return {
    id: o.id,
    event_version: "1.0",
    create_time: stamp(o.at),
    resource_type: "subscription",
    resource_version: "2.0",
    event_type: eventType,
    summary: `Subscription ${eventType.split(".").slice(2).join(" ").toLowerCase()}`,
    resource: subscription,
    links: [{ href: `https://api.paypal.com/v1/notifications/webhooks-events/${o.id}`, rel: "self", method: "GET" }],
  };
}

/** PAYMENT.SALE.COMPLETED / DENIED / REVERSED carry the sale; REFUNDED carries the refund (sale_id). */
export function saleEvent(
  eventType: "PAYMENT.SALE.COMPLETED" | "PAYMENT.SALE.DENIED" | "PAYMENT.SALE.REFUNDED" | "PAYMENT.SALE.REVERSED",
  sale: { id: string; subscriptionId: string | null; amount: { total: string; currency: string } },
  o: { id: string; at: Date; refundId?: string },
): Json {
  const refund = eventType === "PAYMENT.SALE.REFUNDED";
  const state = {
    "PAYMENT.SALE.COMPLETED": "completed",
    "PAYMENT.SALE.DENIED": "denied",
    "PAYMENT.SALE.REFUNDED": "completed",
    "PAYMENT.SALE.REVERSED": "reversed",
  }[eventType];
  const resource: Json = refund
    ? {
        id: o.refundId ?? `${sale.id}R`,
        state,
        amount: sale.amount,
        sale_id: sale.id,
        create_time: stamp(o.at),
        update_time: stamp(o.at),
      }
    : {
        id: sale.id,
        state,
        amount: { ...sale.amount, details: { subtotal: sale.amount.total } },
        payment_mode: "INSTANT_TRANSFER",
        protection_eligibility: "ELIGIBLE",
        ...(sale.subscriptionId && { billing_agreement_id: sale.subscriptionId }),
        create_time: stamp(o.at),
        update_time: stamp(o.at),
      };
  return {
    id: o.id,
    event_version: "1.0",
    create_time: stamp(o.at),
    resource_type: refund ? "refund" : "sale",
    event_type: eventType,
    summary: `Payment ${state}`,
    resource,
    links: [{ href: `https://api.paypal.com/v1/notifications/webhooks-events/${o.id}`, rel: "self", method: "GET" }],
  };
}

/** A subscription as PayPal shows it once the buyer approved (ACTIVE, one regular cycle paid). */
export function activeSubscription(o: {
  id: string;
  planId: string;
  customId: string | null;
  start: Date;
  nextBilling: Date;
  status?: PayPalSubscription["status"];
  trial?: boolean;
}): PayPalSubscription {
  return {
    id: o.id,
    status: o.status ?? "ACTIVE",
    status_update_time: stamp(o.start),
    plan_id: o.planId,
    start_time: stamp(o.start),
    ...(o.customId && { custom_id: o.customId }),
    create_time: stamp(o.start),
    update_time: stamp(o.start),
    billing_info: {
      outstanding_balance: { currency_code: "USD", value: "0.0" },
      cycle_executions: o.trial
        ? [
            { tenure_type: "TRIAL", sequence: 1, cycles_completed: 1, cycles_remaining: 0, total_cycles: 1 },
            { tenure_type: "REGULAR", sequence: 2, cycles_completed: 0, cycles_remaining: 0, total_cycles: 0 },
          ]
        : [{ tenure_type: "REGULAR", sequence: 1, cycles_completed: 1, cycles_remaining: 0, total_cycles: 0 }],
      last_payment: { amount: { currency_code: "USD", value: o.trial ? "0.0" : "9.99" }, time: stamp(o.start) },
      next_billing_time: stamp(o.nextBilling),
      failed_payments_count: 0,
    },
    links: [{ href: `https://api.paypal.com/v1/billing/subscriptions/${o.id}`, rel: "self", method: "GET" }],
  };
}
