import type { RefundPayment } from "@tessera/core";
import type { Kysely } from "kysely";
import type { Scope } from "../../context.js";
import type { Database, Db, PaymentRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import type { EventsService } from "../events/service.js";
import type { Adapters } from "./adapters.js";
import { type ChargeOutcome, capturedOf, isFinal, type Routing, toPayment } from "./model.js";
import { IdempotencyMismatchError, type OperationOutcome, ProviderUnavailableError } from "./provider.js";
import * as repo from "./repo.js";

interface RefundDeps {
  db: Kysely<Database>;
  events: Pick<EventsService, "record">;
  adapters: Adapters;
}

/**
 * Refunds all or part of a succeeded payment. The provider key names the refunded total the refund
 * starts from, so a retry after a crash replays the same refund instead of making a second one,
 * and two concurrent refunds from the same total collapse into one at the provider (or, with
 * different amounts, the second is refused as a conflict). The subscription is not touched:
 * whether a refund ends access is the merchant's decision (cancel it as well).
 */
export async function refundPayment(
  d: RefundDeps,
  scope: Scope,
  route: Routing,
  row: PaymentRow,
  input: RefundPayment,
): Promise<PaymentRow | undefined> {
  const refunded = Number(row.refunded_amount);
  // Refunds draw on what was captured (a partial capture released the rest).
  const captured = capturedOf(row);
  const left = captured - refunded;
  if (row.status !== "succeeded" || left <= 0) {
    throw new ApiError(
      "INVALID_STATE_TRANSITION",
      `Payment ${row.id} is ${row.status}; only a succeeded payment with an amount left can be refunded`,
    );
  }
  const amount = input.amount ?? left;
  if (amount > left) {
    throw new ApiError("VALIDATION_FAILED", `At most ${left} (${row.currency} minor units) is left to refund`, {
      errors: [{ path: "amount", message: `must be at most ${left}` }],
    });
  }
  const provider = d.adapters.get(row.provider);
  // What the provider cannot do is refused here, before it is asked.
  if (amount < left && !provider.capabilities.partialRefund)
    throw new ApiError("VALIDATION_FAILED", `${row.provider} refunds only the whole amount left (${left})`, {
      errors: [{ path: "amount", message: `must be ${left}: ${row.provider} cannot refund in part` }],
    });
  if (refunded > 0 && !provider.capabilities.multipleRefunds)
    throw new ApiError("INVALID_STATE_TRANSITION", `${row.provider} cannot refund a payment a second time`);
  let result: OperationOutcome;
  try {
    result = await provider.refund(
      d.adapters.context(scope, route.storefrontId, d.adapters.configFor(route, row.provider)),
      {
        idempotencyKey: `${row.idempotency_key}:refund:${refunded}`,
        reference: row.provider_reference ?? "",
        amount,
        currency: row.currency,
      },
    );
  } catch (error) {
    if (error instanceof IdempotencyMismatchError)
      throw new ApiError("CONFLICT", "Another refund of this payment is in progress");
    if (error instanceof ProviderUnavailableError) throw new ApiError("UNAVAILABLE", `${row.provider} is unavailable`);
    throw error;
  }
  if (result.status === "refused")
    throw new ApiError("UNPROCESSABLE", `The provider refused the refund: ${result.code}`);
  // The same request replays the same refund (its key names the refunded total), so retrying is safe.
  if (result.status === "error" || result.status === "unknown")
    throw new ApiError(
      "UNAVAILABLE",
      `${row.provider} did not confirm the refund (${result.message}); retry the request`,
    );
  // `pending` (an asynchronous refund) was accepted: it is recorded now, like a completed one.
  return d.db.transaction().execute(async (tx) => {
    const total = refunded + amount;
    const next: PaymentRow = {
      ...row,
      refunded_amount: total,
      status: total === captured ? "refunded" : "succeeded",
      updated_at: scope.clock.now().toISOString(),
    };
    const changed = await repo.updatePaymentIf(
      tx,
      scope,
      row.id,
      { status: "succeeded", refunded_amount: refunded },
      { refunded_amount: next.refunded_amount, status: next.status, updated_at: next.updated_at },
    );
    // A concurrent identical refund recorded it first: the provider refunded once, and so do we.
    if (!changed) return undefined;
    await d.events.record(tx, scope, { type: "payment.refunded", object: toPayment(next) });
    return next;
  });
}

/** Cancels a charge waiting for the customer's action; what the provider says afterwards decides. */
async function cancelAction(d: RefundDeps, scope: Scope, route: Routing, payment: PaymentRow, reference: string) {
  const provider = d.adapters.get(payment.provider);
  if (!provider.capabilities.void) return d.adapters.retrieve(scope, route, payment);
  const ctx = d.adapters.context(scope, route.storefrontId, d.adapters.configFor(route, payment.provider));
  const voided = await provider.void(ctx, { idempotencyKey: `${payment.idempotency_key}:expire`, reference });
  // Not sure it was cancelled: the job retries rather than record a failure that could still charge.
  if (voided.status === "error" || voided.status === "unknown")
    throw new Error(`could not cancel the authentication of ${payment.id}: ${voided.message}`);
  // Cancelled, or refused because it completed meanwhile: the provider's answer now decides.
  const after = await d.adapters.retrieve(scope, route, payment);
  if (!isFinal(after)) throw new Error(`payment ${payment.id} is still pending at ${payment.provider}`);
  return after;
}

type Settle = (tx: Db, scope: Scope, payment: PaymentRow, outcome: ChargeOutcome) => Promise<PaymentRow | undefined>;

/**
 * Gives back a charge whose operation never completed (the process died between charging and
 * recording): the caller never heard of a success, so the money goes back and the payment is
 * marked refunded with failure_code `abandoned`. A charge that never happened is marked failed.
 */
export async function voidAbandoned(
  d: RefundDeps & { settle: Settle },
  scope: Scope,
  route: Routing,
  payment: PaymentRow,
  reason: string,
): Promise<PaymentRow | undefined> {
  let outcome = await d.adapters.retrieve(scope, route, payment);
  if (!isFinal(outcome)) throw new Error(`payment ${payment.id} is still pending at ${payment.provider}`);
  // An authentication nobody completed expires: cancelled at the provider first, so a late one cannot charge.
  if (outcome.status === "requires_action") outcome = await cancelAction(d, scope, route, payment, outcome.reference);
  if (outcome.status !== "succeeded" && outcome.status !== "authorized")
    return d.db.transaction().execute((tx) => d.settle(tx, scope, payment, outcome));
  // Claim it before giving anything back: from here the request that charged can no longer record
  // it (its compare-and-set expects an unclaimed payment). A re-run after a crash finds its claim.
  if (payment.failure_code !== repo.ABANDONING) {
    const claimed = await repo.updatePaymentIf(
      d.db,
      scope,
      payment.id,
      { status: "pending", abandoning: false },
      { failure_code: repo.ABANDONING, updated_at: scope.clock.now().toISOString() },
    );
    // The request recorded its outcome first: nothing to give back.
    if (!claimed) return undefined;
  }
  const provider = d.adapters.get(payment.provider);
  const ctx = d.adapters.context(scope, route.storefrontId, d.adapters.configFor(route, payment.provider));
  // An authorization is released; captured money is refunded.
  const undo =
    outcome.status === "authorized" && provider.capabilities.void
      ? await provider.void(ctx, { idempotencyKey: `${payment.idempotency_key}:void`, reference: outcome.reference })
      : await provider.refund(ctx, {
          idempotencyKey: `${payment.idempotency_key}:void`,
          reference: outcome.reference,
          amount: Number(payment.amount),
          currency: payment.currency,
        });
  if (undo.status !== "succeeded" && undo.status !== "pending")
    throw new Error(
      `could not void ${payment.id}: ${undo.status === "refused" || undo.status === "error" ? undo.code : undo.message}`,
    );
  return d.db.transaction().execute(async (tx) => {
    const voided: PaymentRow = {
      ...payment,
      status: "refunded",
      refunded_amount: payment.amount,
      provider_reference: outcome.reference,
      failure_code: "abandoned",
      failure_message: reason,
      updated_at: scope.clock.now().toISOString(),
    };
    const { id, tenant_id, environment_id, created_at, ...changes } = voided;
    if (!(await repo.updatePaymentIf(tx, scope, payment.id, { status: "pending", abandoning: true }, changes)))
      return undefined;
    await d.events.record(tx, scope, {
      type: "payment.refunded",
      object: toPayment(voided),
      correlationId: payment.correlation_id,
    });
    return voided;
  });
}
