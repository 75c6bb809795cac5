import type { EventType } from "@tessera/core";
import type { PaymentRow, SubscriptionRow } from "../../db/types.js";
import type { AuditEntry } from "../audit/service.js";
import { historyOf, type Patch, type Write } from "../subscriptions/index.js";
import type { Apply } from "./charge.js";
import type { PeriodEndDecision } from "./decisions.js";
import { dunningStep, nextDunningStep } from "./dunning.js";
import { type PriceTerms, periodBounds } from "./periods.js";
import { checkAt, checkJob, dunningJob, periodEndJob, pspTarget } from "./schedule.js";

/*
 * What each payment outcome does to a subscription, as data (a Write) for the store. A pending
 * outcome (the provider did not answer) is applied on credit for a new period, and undone into
 * dunning if the check finds it failed; within dunning it pauses the schedule until it is known.
 */

type Change = Omit<Write, "correlationId">;

const CLEAR_DUNNING: Patch = {
  unpaid_payment_id: null,
  dunning_step: null,
  dunning_retryable: null,
  next_retry_at: null,
};

/** What a charge came to, for the audit trail (linked to its decision by the payment's correlation). */
function chargeOutcome(action: string, payment: PaymentRow): AuditEntry {
  return {
    kind: "outcome",
    action,
    reason: payment.failure_code,
    data: {
      payment: payment.id,
      status: payment.status,
      provider: payment.provider,
      amount: Number(payment.amount),
      currency: payment.currency,
      period_index: payment.period_index,
      attempt: payment.attempt,
      failure_code: payment.failure_code,
      retryable: payment.retryable === null ? null : payment.retryable === 1,
    },
  };
}

/** The period-end decision that led to a charge. */
function periodEndDecision(d: Extract<PeriodEndDecision, { kind: "charge" }>): AuditEntry {
  return {
    kind: "decision",
    action: "period_end.charge",
    reason: d.conversion ? "trial ended" : d.planChanged ? "renewal on the pending plan" : "renewal",
    data: { period_index: d.periodIndex, price: d.price.id, amount: d.price.amount, currency: d.price.currency },
  };
}

/** When the subscription entered grace: dunning days count from there. */
export function graceStartedAt(row: SubscriptionRow): string {
  const entry = historyOf(row).findLast((h) => h.status === "grace");
  return entry?.at ?? row.updated_at;
}

/** Grace begins: the failed payment is what dunning retries. */
export function startDunning(
  row: SubscriptionRow,
  payment: PaymentRow,
  periodIndex: number,
  now: string,
  retryDays: readonly number[],
): Change {
  const retryable = payment.retryable === 1;
  const step = dunningStep(now, retryDays, 0, retryable)!;
  const decision: AuditEntry = {
    kind: "decision",
    action: "dunning.start",
    reason: `payment ${payment.id} failed (${payment.failure_code ?? "unknown"}): grace, ${step.charge ? "retry" : "deadline"} at ${step.at}`,
    data: { payment: payment.id, retryable, step: step.step, at: step.at, charge: step.charge, retry_days: retryDays },
  };
  return {
    audit: [decision],
    move: { event: "payment_failed", reason: `payment_failed: ${payment.failure_code ?? "unknown"}` },
    patch: {
      unpaid_payment_id: payment.id,
      dunning_step: step.step,
      dunning_retryable: step.charge ? 1 : 0,
      next_retry_at: step.at,
      payment_check_at: null,
    },
    jobs: [dunningJob(row.id, periodIndex, step, payment.correlation_id, pspTarget(payment))],
  };
}

/** After a failed retry (or a deadline): the next step, or suspension when there is none. */
export function continueDunning(
  row: SubscriptionRow,
  after: number,
  retryable: boolean,
  retryDays: readonly number[],
  correlationId: string | null,
  /** The PSP of the payment that failed (see pspTarget). */
  target?: string,
): Change {
  const next = nextDunningStep(graceStartedAt(row), retryDays, after, retryable);
  const decision: AuditEntry = {
    kind: "decision",
    action: "dunning.step",
    reason: next
      ? `step ${after} did not pay: ${next.charge ? "retry" : "deadline"} at ${next.at}`
      : `step ${after} did not pay: retries exhausted, suspend`,
    data: { after_step: after, retryable, next: next ?? null, retry_days: retryDays },
    correlationId,
  };
  if (!next)
    return {
      audit: [decision],
      move: { event: "retries_exhausted" },
      patch: { ...CLEAR_DUNNING, unpaid_payment_id: row.unpaid_payment_id, payment_check_at: null },
    };
  return {
    audit: [decision],
    patch: {
      dunning_step: next.step,
      next_retry_at: next.at,
      dunning_retryable: next.charge ? 1 : 0,
      payment_check_at: null,
    },
    jobs: [dunningJob(row.id, row.period_index, next, correlationId, target)],
  };
}

/**
 * The unpaid period is paid: back to active. If that period already ended (a long dunning, or a
 * suspension), the customer paid for a full period without having had one, so it starts now.
 */
export function recover(row: SubscriptionRow, terms: PriceTerms, now: string, target?: string): Change {
  const reanchor = now >= row.current_period_end;
  const bounds = reanchor
    ? periodBounds(now, row.period_index, terms, row.period_index)
    : { start: row.current_period_start, end: row.current_period_end };
  return {
    audit: [
      {
        kind: "outcome",
        action: "dunning.recovered",
        reason: `the unpaid period is paid: ${row.status} → active`,
        data: { unpaid_payment: row.unpaid_payment_id, reanchored: reanchor, period_end: bounds.end },
      },
    ],
    move: { event: row.status === "suspended" ? "payment_resolved" : "retry_succeeded" },
    patch: {
      ...CLEAR_DUNNING,
      payment_check_at: null,
      ...(reanchor && {
        anchor_at: now,
        anchor_period: row.period_index,
        current_period_start: bounds.start,
        current_period_end: bounds.end,
      }),
    },
    jobs: [periodEndJob(row.id, row.period_index, bounds.end, target)],
  };
}

/** A period that costs nothing (a free price): it simply starts. */
export function freePeriod(d: Extract<PeriodEndDecision, { kind: "charge" }>, row: SubscriptionRow): Change {
  return {
    patch: {
      period_index: d.periodIndex,
      current_period_start: d.bounds.start,
      current_period_end: d.bounds.end,
      anchor_at: d.anchorAt,
      anchor_period: d.anchorPeriod,
      price_id: d.price.id,
      bundle_id: d.price.bundle,
      pending_plan_change: null,
    },
    ...(d.conversion && { move: { event: "trial_paid" as const } }),
    events: [
      ...(d.planChanged ? (["subscription.plan_changed"] as const) : []),
      ...(d.conversion ? [] : (["subscription.renewed"] as const)),
    ],
    jobs: [periodEndJob(row.id, d.periodIndex, d.bounds.end)],
  };
}

/** The charge for the period after a period end (a renewal, or the end of a trial). */
export function applyPeriodCharge(
  d: Extract<PeriodEndDecision, { kind: "charge" }>,
  now: string,
  retryDays: () => Promise<readonly number[]>,
): Apply {
  return async (payment, outcome, row) => {
    if (outcome.status === "unavailable") return {};
    const advance: Patch = {
      period_index: d.periodIndex,
      current_period_start: d.bounds.start,
      current_period_end: d.bounds.end,
      anchor_at: d.anchorAt,
      anchor_period: d.anchorPeriod,
      price_id: d.price.id,
      bundle_id: d.price.bundle,
      pending_plan_change: null,
    };
    const events: EventType[] = d.planChanged ? ["subscription.plan_changed"] : [];
    const audit = [
      periodEndDecision(d),
      chargeOutcome(d.conversion ? "trial_conversion.charge" : "renewal.charge", payment),
    ];
    if (payment.status === "failed") {
      const dunning = startDunning(row, payment, d.periodIndex, now, await retryDays());
      return {
        ...dunning,
        patch: { ...advance, ...dunning.patch },
        events,
        audit: [...audit, ...(dunning.audit ?? [])],
      };
    }
    const pending = payment.status === "pending";
    return {
      audit,
      patch: { ...advance, payment_check_at: pending ? checkAt(now) : null },
      ...(d.conversion && { move: { event: "trial_paid" as const } }),
      events: d.conversion ? events : [...events, "subscription.renewed"],
      jobs: [
        periodEndJob(row.id, d.periodIndex, d.bounds.end, pspTarget(payment)),
        ...(pending ? [checkJob(payment, "provisional", null, checkAt(now))] : []),
      ],
    };
  };
}

/**
 * A retry of the unpaid period, by the dunning schedule (`step`) or by the API (`step` null:
 * the schedule is left as it is when it fails).
 */
export function applyRetry(
  terms: PriceTerms,
  now: string,
  step: number | null,
  retryDays: () => Promise<readonly number[]>,
): Apply {
  return async (payment, outcome, row) => {
    if (outcome.status === "unavailable") return {};
    const tried = chargeOutcome("dunning.retry", payment);
    const afterTry = (c: Change): Change => ({ ...c, audit: [tried, ...(c.audit ?? [])] });
    if (payment.status === "succeeded") return afterTry(recover(row, terms, now, pspTarget(payment)));
    if (payment.status === "pending") {
      // Pause the schedule until the outcome is known; the check resumes it.
      const resume = row.status === "grace" ? (step ?? (row.dunning_step ?? 0) - 1) : null;
      return afterTry({
        patch: { payment_check_at: checkAt(now), dunning_step: null, next_retry_at: null },
        jobs: [checkJob(payment, "dunning", resume, checkAt(now))],
      });
    }
    if (row.status !== "grace" || step === null) return afterTry({});
    return afterTry(
      continueDunning(
        row,
        step,
        payment.retryable === 1,
        await retryDays(),
        payment.correlation_id,
        pspTarget(payment),
      ),
    );
  };
}
