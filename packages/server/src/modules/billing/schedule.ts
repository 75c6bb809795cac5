import type { PaymentRow } from "../../db/types.js";
import type { EnqueueJob } from "../../jobs/queue.js";
import type { DunningStep } from "./dunning.js";

/*
 * The scheduled work of a subscription. Every job is deduplicated by a key naming exactly the
 * decision it makes (the subscription, the period, its end), and every handler re-reads the
 * subscription and does nothing when it has moved on (a stale job is a no-op, never a mistake).
 */

export const PERIOD_END_JOB = "subscription.period_end";
export const DUNNING_JOB = "subscription.dunning";
export const CHECK_JOB = "payment.check";
/** Business time before a payment whose outcome is unknown is looked up at the provider. */
export const CHECK_AFTER_MS = 15 * 60_000;

export interface PeriodEndPayload {
  subscription: string;
  period_index: number;
  period_end: string;
}

export interface DunningPayload {
  subscription: string;
  period_index: number;
  step: number;
  correlation_id: string | null;
}

export interface CheckPayload {
  payment: string;
  /** provisional: the change was applied on credit (undo on failure); dunning: a retry of an unpaid period. */
  mode: "provisional" | "dunning";
  /** dunning: the step to schedule if the payment turns out failed. */
  resume_step: number | null;
}

/**
 * The worker's concurrency target of a job that calls a PSP: a PSP that hangs then holds at most
 * the worker's per-target slots, and delays only its own jobs (jobs/pool.ts). The PSP of a future
 * charge is the one of the payment before it (routing may pick another; the target only groups).
 */
export function pspTarget(payment: Pick<PaymentRow, "storefront_id" | "provider">): string {
  return `psp:${payment.storefront_id}:${payment.provider}`;
}

export function periodEndJob(subscription: string, periodIndex: number, end: string, target?: string): EnqueueJob {
  const payload: PeriodEndPayload = { subscription, period_index: periodIndex, period_end: end };
  return {
    type: PERIOD_END_JOB,
    payload,
    runAt: end,
    dedupeKey: `${PERIOD_END_JOB}:${subscription}:${periodIndex}:${end}`,
    ...(target ? { target } : {}),
  };
}

export function dunningJob(
  subscription: string,
  periodIndex: number,
  step: DunningStep,
  correlationId: string | null,
  target?: string,
): EnqueueJob {
  const payload: DunningPayload = {
    subscription,
    period_index: periodIndex,
    step: step.step,
    correlation_id: correlationId,
  };
  return {
    type: DUNNING_JOB,
    payload,
    runAt: step.at,
    dedupeKey: `${DUNNING_JOB}:${subscription}:${periodIndex}:${step.step}:${step.at}`,
    ...(target ? { target } : {}),
  };
}

export function checkJob(
  payment: PaymentRow,
  mode: CheckPayload["mode"],
  resumeStep: number | null,
  runAt: string,
): EnqueueJob {
  const payload: CheckPayload = { payment: payment.id, mode, resume_step: resumeStep };
  return { type: CHECK_JOB, payload, runAt, dedupeKey: `${CHECK_JOB}:${payment.id}`, target: pspTarget(payment) };
}

export function checkAt(now: string): string {
  return new Date(Date.parse(now) + CHECK_AFTER_MS).toISOString();
}
