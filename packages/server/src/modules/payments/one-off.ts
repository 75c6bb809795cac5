import type { CreatePayment, Customer } from "@tessera/core";
import type { Kysely } from "kysely";
import type { Scope } from "../../context.js";
import type { Database, PaymentRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { enqueueJob } from "../../jobs/queue.js";
import { toJson } from "../../lib/json.js";
import type { AuditRecorder } from "../audit/service.js";
import * as methodsRepo from "./methods-repo.js";
import type { ChargeOutcome, NewAttempt, Routing } from "./model.js";
import * as repo from "./repo.js";

/**
 * How long an uncaptured card authorization stays valid before the expiry job voids it. Card
 * networks hold most authorizations about 7 days (Stripe's default for online card payments).
 */
export const AUTHORIZATION_VALIDITY_DAYS = 7;

/** Voids an authorization still uncaptured when it lapses (`payment.voided`, failure_code `expired`). */
export const AUTHORIZATION_EXPIRY_JOB = "payments.authorization_expiry";

interface OneOffDeps {
  db: Kysely<Database>;
  customers: { requireCustomer(scope: Scope, id: string): Promise<Customer> };
  routing(scope: Scope, storefrontId: string): Promise<Routing>;
  assertMayCharge(scope: Scope, route: Routing): Promise<void>;
  newAttempt(scope: Scope, route: Routing, a: NewAttempt): Promise<PaymentRow>;
  execute(
    scope: Scope,
    route: Routing,
    payment: PaymentRow,
    options: { failover: boolean; authorizeOnly?: boolean },
  ): Promise<{ payment: PaymentRow; outcome: ChargeOutcome }>;
  settle(
    tx: Kysely<Database>,
    scope: Scope,
    payment: PaymentRow,
    outcome: ChargeOutcome,
    patch?: Partial<PaymentRow>,
  ): Promise<PaymentRow | undefined>;
  find(scope: Scope, id: string): Promise<PaymentRow | undefined>;
  audit?: AuditRecorder | undefined;
}

/**
 * A payment outside any subscription (Stripe PaymentIntents): captured at once, or with
 * `capture: false` only authorized, to be captured or voided later (capture.ts). It is routed and
 * fails over like a renewal. The merchant's server calls it, so no customer is there to
 * authenticate: a 3-D Secure challenge ends it failed with `authentication_required`.
 */
export async function createOneOff(d: OneOffDeps, scope: Scope, input: CreatePayment): Promise<PaymentRow> {
  const customer = await d.customers.requireCustomer(scope, input.customer);
  const route = await d.routing(scope, customer.storefront);
  await d.assertMayCharge(scope, route);
  const paymentMethod = input.payment_method ?? (await methodsRepo.defaultMethodId(d.db, scope, customer.id));
  if (paymentMethod === undefined)
    throw new ApiError("VALIDATION_FAILED", `Customer ${customer.id} has no default payment method`, {
      errors: [{ path: "payment_method", message: "required: the customer has no default payment method" }],
    });
  const manual = input.capture === false;
  const attempt = await d.newAttempt(scope, route, {
    customer: customer.id,
    subscription: null,
    kind: "one_off",
    amount: input.amount,
    currency: input.currency,
    paymentMethod,
    periodIndex: 0,
    attempt: 1,
    keyOwner: customer.id,
    correlationId: scope.correlationId ?? null,
  });
  // The payment's own id names its request to the provider: one payment, one charge.
  const reserved: PaymentRow = {
    ...attempt,
    idempotency_key: attempt.id,
    description: input.description ?? null,
    metadata: input.metadata ? toJson(input.metadata) : null,
  };
  await repo.insertPayment(d.db, reserved);
  const { payment, outcome } = await d.execute(scope, route, reserved, { failover: true, authorizeOnly: manual });
  const expires = new Date(scope.clock.now().getTime() + AUTHORIZATION_VALIDITY_DAYS * 86_400_000).toISOString();
  const held: Partial<PaymentRow> =
    manual && outcome.status === "authorized"
      ? { status: "authorized", amount_captured: 0, authorization_expires_at: expires }
      : {};
  const settled = await d.db.transaction().execute(async (tx) => {
    const next = await d.settle(tx, scope, payment, outcome, held);
    if (next)
      await d.audit?.record(tx, scope, {
        kind: "outcome",
        action: manual ? "payment.authorize" : "payment.charge",
        object: { id: next.id, object: "payment" },
        reason: next.routing ? ((JSON.parse(next.routing) as { reason?: string }).reason ?? null) : null,
        data: { provider: next.provider, status: next.status, code: next.failure_code, amount: input.amount },
        correlationId: next.correlation_id,
      });
    // The hold lapses by the environment's clock (test clocks move it): the job voids it then.
    if (next?.status === "authorized")
      await enqueueJob(tx, scope.clock.now().toISOString(), {
        type: AUTHORIZATION_EXPIRY_JOB,
        payload: { payment: next.id },
        runAt: expires,
        scope,
        dedupeKey: `${AUTHORIZATION_EXPIRY_JOB}:${next.id}`,
        correlationId: next.correlation_id,
      });
    return next;
  });
  return settled ?? (await d.find(scope, payment.id)) ?? payment;
}
