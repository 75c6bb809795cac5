import { type ChangePlan, type EventType, quoteChange } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { SubscriptionRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { toJson } from "../../lib/json.js";
import {
  type Apply,
  type BillingService,
  checkAt,
  checkJob,
  type PriceTerms,
  periodBounds,
  periodEndJob,
  sameCycle,
} from "../billing/index.js";
import { paymentFailed } from "./create.js";
import { chargeMethod, pendingChangeOf } from "./model.js";
import type { Patch, SubscriptionStore, Write } from "./store.js";

type Change = Omit<Write, "correlationId">;

/**
 * The switch to `next` at instant `now`: same cycle keeps the period (and its renewal job); a new
 * cycle (another interval) starts a new period now, anchored at the change.
 */
function switchTo(
  row: SubscriptionRow,
  current: PriceTerms,
  next: PriceTerms,
  now: string,
): { patch: Patch; jobs: Change["jobs"] } {
  const patch: Patch = { price_id: next.id, bundle_id: next.bundle, pending_plan_change: null };
  if (row.status === "trial" || sameCycle(current, next)) return { patch, jobs: [] };
  const index = row.period_index + 1;
  const bounds = periodBounds(now, index, next, index);
  return {
    patch: {
      ...patch,
      period_index: index,
      anchor_at: now,
      anchor_period: index,
      current_period_start: bounds.start,
      current_period_end: bounds.end,
    },
    jobs: [periodEndJob(row.id, index, bounds.end)],
  };
}

/**
 * `period_end`: recorded as a pending change, applied by the period-end job before it charges.
 * `now`: on a trial, the trial simply continues on the new price; on a paid period the new price
 * is charged for the rest of the period minus the credit for the unused part of the old one
 * (core/proration.ts: integer minor units, rounded down). A change that would owe the customer
 * money is a downgrade and is refused: it belongs at the period end.
 */
export async function changePlan(
  o: { store: SubscriptionStore; billing: BillingService },
  scope: Scope,
  row: SubscriptionRow,
  input: ChangePlan,
): Promise<SubscriptionRow> {
  const correlationId = scope.requestId ?? null;
  const now = scope.clock.now().toISOString();
  const current = await o.billing.terms(scope, row.price_id);
  const next = await o.billing.terms(scope, input.price);
  if (next.currency !== current.currency) {
    throw new ApiError(
      "VALIDATION_FAILED",
      `The new price is in ${next.currency}, the subscription in ${current.currency}`,
      {
        errors: [{ path: "price", message: `must be in ${current.currency}` }],
      },
    );
  }
  const pending = pendingChangeOf(row);
  if (next.id === row.price_id) {
    if (input.proration === "period_end" && pending) {
      return o.store.writeNow(scope, row, {
        patch: { pending_plan_change: null },
        events: ["subscription.plan_change_cancelled"],
        correlationId,
      });
    }
    throw new ApiError("VALIDATION_FAILED", "The subscription is already on this price", {
      errors: [{ path: "price", message: "is the current price" }],
    });
  }
  if (input.proration === "period_end") {
    return o.store.writeNow(scope, row, {
      patch: { pending_plan_change: toJson({ price: next.id, bundle: next.bundle }) },
      events: ["subscription.plan_change_scheduled"],
      correlationId,
    });
  }

  const events: EventType[] = ["subscription.plan_changed"];
  const switched = switchTo(row, current, next, now);
  if (row.status === "trial") return o.store.writeNow(scope, row, { ...switched, events, correlationId });

  const quote = quoteChange({
    paid: current.amount,
    newAmount: next.amount,
    window: {
      startMs: Date.parse(row.current_period_start),
      endMs: Date.parse(row.current_period_end),
      atMs: Date.parse(now),
    },
    sameCycle: sameCycle(current, next),
  });
  if (quote.amount_due < 0) {
    throw new ApiError(
      "VALIDATION_FAILED",
      `Switching now would credit ${-quote.amount_due}: a downgrade takes effect at the period end`,
      {
        errors: [{ path: "proration", message: 'use "period_end" for a change to a cheaper plan' }],
      },
    );
  }
  // The proration meets discounts through billing's one hook (a percent off comes off it too).
  const periodIndex = (switched.patch.period_index as number | undefined) ?? row.period_index;
  const due =
    quote.amount_due === 0
      ? 0
      : await o.billing.discount(scope, {
          subscriptionId: row.id,
          periodIndex,
          kind: "proration",
          amount: quote.amount_due,
          currency: next.currency,
        });
  if (due === 0) return o.store.writeNow(scope, row, { ...switched, events, correlationId });

  const apply: Apply = async (payment, outcome) => {
    if (outcome.status === "unavailable" || payment.status === "failed") return {};
    const check = payment.status === "pending";
    return {
      patch: { ...switched.patch, payment_check_at: check ? checkAt(now) : row.payment_check_at },
      events,
      jobs: [...(switched.jobs ?? []), ...(check ? [checkJob(payment, "provisional", null, checkAt(now))] : [])],
    };
  };
  // The tax hook: the last step of the proration's amount (after any discount).
  const who = { storefront: row.storefront_id, customer: row.customer_id };
  const charge = await o.billing.tax.taxed(scope, who, next, due);
  // The credit is in the current price's terms: netting a gross against a net would charge wrong.
  if (
    current.amount > 0 &&
    ((await o.billing.tax.taxed(scope, who, current, current.amount)).tax === null) !== (charge.tax === null)
  )
    throw new ApiError(
      "VALIDATION_FAILED",
      "Switching now between a tax-inclusive and a tax-exclusive price cannot be prorated: change at the period end",
      { errors: [{ path: "proration", message: 'use "period_end" between prices of different tax_behavior' }] },
    );
  const result = await o.billing.protocol.charge(
    scope,
    row,
    {
      kind: "proration",
      amount: charge.amount,
      tax: charge.tax,
      currency: next.currency,
      periodIndex,
      paymentMethod: chargeMethod(row),
      correlationId,
      initiator: "api",
    },
    apply,
  );
  if (result.status === "conflict")
    throw new ApiError("CONFLICT", "The subscription changed during the plan change; retry");
  if (result.payment.status === "failed") throw paymentFailed(result.payment);
  return result.row;
}
