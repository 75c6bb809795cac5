import type { Bundle, ChannelName, CreateSubscription, Customer, Price, Storefront } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { PaymentRow, SubscriptionRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import {
  addDays,
  type ChargeTax,
  checkAt,
  checkJob,
  type DiscountCharge,
  periodBounds,
  periodEndJob,
  pspTarget,
  settleJob,
  type TaxedCharge,
  taxAudit,
} from "../billing/index.js";
import { type ChargeOutcome, type PaymentsService, type Routing, withOutcome } from "../payments/service.js";
import type { SubscriptionStore } from "./store.js";

export interface Resolved {
  customer: Customer;
  storefront: Storefront;
  price: Price;
  bundle: Bundle;
}

/** Refusals of a new subscription that depend on the catalog and the storefront. */
export function checkSellable({ storefront, price, bundle }: Omit<Resolved, "customer">): void {
  if (storefront.status === "archived") {
    throw new ApiError("OBJECT_ARCHIVED", `Storefront "${storefront.key}" is archived and takes no new subscriptions`);
  }
  if (price.status === "archived" || bundle.status === "archived") {
    throw new ApiError("OBJECT_ARCHIVED", `Price ${price.id} (bundle "${bundle.key}") is archived`, {
      errors: [{ path: "price", message: "is archived" }],
    });
  }
  if (!storefront.bundles.includes(bundle.id)) {
    throw new ApiError("VALIDATION_FAILED", `Storefront "${storefront.key}" does not sell bundle "${bundle.key}"`, {
      errors: [{ path: "price", message: `its bundle "${bundle.key}" is not sold by the customer's storefront` }],
    });
  }
}

/**
 * 422 when the storefront does not enable the channel, or when the channel is one whose vendor
 * creates and runs the subscription (it reaches us as notifications, see modules/channels).
 */
export function checkChannel(storefront: Storefront, channel: ChannelName): void {
  if (!storefront.channels.includes(channel)) {
    throw new ApiError(
      "CHANNEL_NOT_ENABLED",
      `Storefront "${storefront.key}" does not enable the ${channel} channel (it enables: ${storefront.channels.join(", ") || "none"})`,
      { errors: [{ path: "channel", message: "is not one of the storefront's channels" }] },
    );
  }
  if (channel !== "direct") {
    throw new ApiError(
      "CHANNEL_MANAGED_EXTERNALLY",
      `${channel} subscriptions are created from the vendor's notifications, not through this API`,
      { errors: [{ path: "channel", message: "only direct subscriptions are created through the API" }] },
    );
  }
}

/**
 * A new subscription: with a trial it starts `trial` and its trial end is scheduled; otherwise the
 * first period is charged at once. A declined first charge leaves no subscription (402), but the
 * failed attempt stays in payments for audit; a charge whose outcome is unknown (provider timeout)
 * starts the subscription on credit and checks the payment later.
 */
export async function createSubscription(
  deps: Deps,
  {
    store,
    payments,
    discount,
    tax,
  }: { store: SubscriptionStore; payments: PaymentsService; discount: DiscountCharge; tax: ChargeTax },
  scope: Scope,
  input: CreateSubscription,
  r: Resolved,
  id: string = newId("subscription"),
) {
  const correlationId = scope.requestId ?? null;
  const now = scope.clock.now().toISOString();
  const trialDays = input.trial_days ?? r.price.trial_days;
  const base: SubscriptionRow = {
    id,
    tenant_id: scope.tenantId,
    environment_id: scope.environmentId,
    customer_id: r.customer.id,
    storefront_id: r.storefront.id,
    bundle_id: r.bundle.id,
    price_id: r.price.id,
    channel: input.channel,
    status: "active",
    payment_method: input.payment_method,
    period_index: 1,
    anchor_at: now,
    anchor_period: 1,
    current_period_start: now,
    current_period_end: now,
    trial_end: null,
    cancel_at_period_end: 0,
    cancelled_at: null,
    ended_at: null,
    status_history: "[]",
    pending_plan_change: null,
    pending_price_change: null,
    latest_payment_id: null,
    inflight_payment_id: null,
    unpaid_payment_id: null,
    dunning_step: null,
    dunning_retryable: null,
    next_retry_at: null,
    payment_check_at: null,
    version: 1,
    metadata: toJson(input.metadata ?? {}),
    created_at: now,
    updated_at: now,
  };

  // A subscription that will ever be charged needs a provider to charge it, also when its trial
  // postpones the first charge: refused now rather than failing at the end of the trial.
  const route = r.price.amount > 0 ? await payments.routing(scope, r.storefront.id) : undefined;
  if (route) payments.requireProvider(route);

  if (trialDays > 0) {
    const trialEnd = addDays(now, trialDays);
    const row = {
      ...base,
      status: "trial" as const,
      period_index: 0,
      anchor_at: trialEnd,
      current_period_end: trialEnd,
      trial_end: trialEnd,
    };
    const stored = await deps.db
      .transaction()
      .execute((tx) =>
        store.insert(tx, scope, row, { jobs: [periodEndJob(id, 0, trialEnd)], latestPayment: null, correlationId }),
      );
    return store.snapshot(deps.db, scope, stored, null);
  }

  const bounds = periodBounds(now, 1, r.price, 1);
  const row = { ...base, current_period_start: bounds.start, current_period_end: bounds.end };
  // A discount redeemed with the subscription comes off the first charge (modules/campaigns).
  const amount = await discount(scope, {
    subscriptionId: id,
    periodIndex: 1,
    kind: "subscription_create",
    amount: r.price.amount,
    currency: r.price.currency,
  });
  if (amount === 0) {
    const stored = await deps.db
      .transaction()
      .execute((tx) =>
        store.insert(tx, scope, row, { jobs: [periodEndJob(id, 1, bounds.end)], latestPayment: null, correlationId }),
      );
    return store.snapshot(deps.db, scope, stored, null);
  }

  if (!route) throw new Error("unreachable: a paid price has a route");
  // The tax hook: the last step of the first period's amount (after any discount).
  const charge = await tax.taxed(scope, { storefront: r.storefront.id, customer: r.customer.id }, r.price, amount);
  const { payment, outcome } = input.payment
    ? await completeAction(deps, payments, scope, input, r, charge)
    : await chargeFirst(deps, { store, payments }, scope, input, r, route, id, charge);
  // Succeeded, or not known yet (started on credit): anything the row records as failed is refused.
  const ok = withOutcome(payment, outcome, now).status !== "failed";
  const result = await deps.db.transaction().execute(async (tx) => {
    const settled = await payments.settle(tx, scope, payment, outcome, ok ? { subscription_id: id } : {});
    if (!settled) throw new ApiError("CONFLICT", "The first payment was settled by another process; retry the request");
    if (!ok) return { settled, stored: undefined };
    const pending = settled.status === "pending";
    const stored = await store.insert(
      tx,
      scope,
      { ...row, latest_payment_id: settled.id, payment_check_at: pending ? checkAt(now) : null },
      {
        jobs: [
          periodEndJob(id, 1, bounds.end, pspTarget(settled)),
          ...(pending ? [checkJob(settled, "provisional", null, checkAt(now))] : []),
        ],
        latestPayment: settled,
        correlationId,
        // The first charge's tax decision (a tax-exclusive price), in the creation's lineage.
        audit: [taxAudit(settled)].filter((e) => e !== null),
      },
    );
    return { settled, stored };
  });
  if (!result.stored) throw paymentFailed(result.settled);
  return store.snapshot(deps.db, scope, result.stored, result.settled);
}

/** The first period's charge; with the customer present (`return_url`) it may ask for their action. */
async function chargeFirst(
  deps: Deps,
  { store, payments }: { store: SubscriptionStore; payments: PaymentsService },
  scope: Scope,
  input: CreateSubscription,
  r: Resolved,
  route: Routing,
  id: string,
  charge: TaxedCharge,
) {
  const correlationId = scope.requestId ?? null;
  await payments.assertMayCharge(scope, route);
  const reserved = await payments.newAttempt(scope, route, {
    customer: r.customer.id,
    subscription: null,
    kind: "subscription_create",
    amount: charge.amount,
    tax: charge.tax,
    currency: r.price.currency,
    paymentMethod: input.payment_method,
    periodIndex: 1,
    attempt: 1,
    keyOwner: id,
    correlationId,
  });
  await deps.db.transaction().execute(async (tx) => {
    await payments.insertAttempt(tx, reserved);
    // If this request dies after the charge, the settle job gives the money back.
    await store.schedule(tx, scope, settleJob(reserved, deps.clock.now()));
  });
  const present = input.return_url ? { customerPresent: { returnUrl: input.return_url } } : {};
  const charged = await payments.execute(scope, route, reserved, { failover: true, ...present });
  // The customer must authenticate: the payment waits (pending) and no subscription exists yet.
  // If nobody completes it, the settle job scheduled above expires it (docs/payments.md, "3-D Secure").
  if (input.return_url && charged.outcome.status === "requires_action") {
    if (!(await payments.awaitAction(scope, charged.payment, charged.outcome.reference)))
      throw new ApiError("CONFLICT", "The first payment was settled by another process; retry the request");
    throw actionRequired(charged.payment.id, charged.outcome.action);
  }
  return charged;
}

type NextAction = Extract<ChargeOutcome, { status: "requires_action" }>["action"];

function actionRequired(payment: string, action: NextAction): ApiError {
  return new ApiError(
    "PAYMENT_ACTION_REQUIRED",
    `The first payment ${payment} needs the customer's action (3-D Secure): show them next_action, then send this request again with "payment": "${payment}"`,
    { extensions: { payment, next_action: action } },
  );
}

/**
 * The request sent again after the customer acted: the waiting payment is confirmed at its
 * provider. It must be this subscription's first payment (same customer, price and method).
 */
async function completeAction(
  deps: Deps,
  payments: PaymentsService,
  scope: Scope,
  input: CreateSubscription,
  r: Resolved,
  charge: TaxedCharge,
) {
  const ref = input.payment!;
  const payment = await payments.find(deps.db, scope, ref);
  const matches =
    payment !== undefined &&
    payment.kind === "subscription_create" &&
    payment.subscription_id === null &&
    payment.customer_id === r.customer.id &&
    payment.storefront_id === r.storefront.id &&
    Number(payment.amount) === charge.amount &&
    payment.currency === r.price.currency &&
    payment.payment_method === input.payment_method;
  if (!payment || !matches)
    throw new ApiError("VALIDATION_FAILED", `Payment ${ref} is not a first payment of this subscription`, {
      errors: [
        {
          path: "payment",
          message:
            "must be the payment a PAYMENT_ACTION_REQUIRED answer named, with the same customer, price and payment_method",
        },
      ],
    });
  if (payment.status !== "pending" || payment.provider_reference === null)
    throw new ApiError(
      "INVALID_STATE_TRANSITION",
      `Payment ${payment.id} is ${payment.status}: it no longer waits for the customer (start again without "payment")`,
    );
  const outcome = await payments.confirm(scope, payment, input.action_result ?? {});
  // Still waiting (the customer has not finished): the same answer again.
  if (outcome.status === "requires_action") throw actionRequired(payment.id, outcome.action);
  // The provider could not be asked: the customer may have paid (Stripe completes the intent
  // itself), so the payment keeps waiting rather than fail; the request can be sent again.
  if (outcome.status === "error" || outcome.status === "unknown")
    throw new ApiError(
      "UNAVAILABLE",
      `${payment.provider} could not confirm payment ${payment.id} now; send the request again`,
      {
        extensions: { payment: payment.id },
      },
    );
  return { payment, outcome };
}

/** 402 with the decline, or 503 when no provider could be reached. */
export function paymentFailed(payment: PaymentRow): ApiError {
  if (payment.failure_code === "provider_unavailable") {
    return new ApiError("UNAVAILABLE", `No payment provider could be reached (payment ${payment.id})`, {
      extensions: { payment: payment.id },
    });
  }
  return new ApiError("PAYMENT_FAILED", `The payment was declined: ${payment.failure_code ?? "unknown"}`, {
    extensions: {
      payment: payment.id,
      decline_code: payment.failure_code,
      retryable: payment.retryable === 1,
    },
  });
}
