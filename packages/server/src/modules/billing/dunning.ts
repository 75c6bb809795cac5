import { addDays } from "./periods.js";

/**
 * The dunning schedule after a failed period charge at `failedAt` (DESIGN §1: grace → retries →
 * active or suspended). Retries run `retry_days` days after the failure (the storefront's
 * setting, e.g. 1, 3, 5, 7). A hard decline (not retryable) is never retried automatically —
 * retrying a stolen card only hurts the merchant with the card networks — but the customer keeps
 * the grace period until the last retry day to fix the payment method (`POST …/payment-method`
 * then `POST …/retry`); then the subscription is suspended. With no retry days at all the grace
 * ends at once.
 */
export interface DunningStep {
  /** Index into retry_days. */
  step: number;
  at: string;
  /** false: the deadline of a grace without retries; running it suspends. */
  charge: boolean;
}

export function dunningStep(
  failedAt: string,
  retryDays: readonly number[],
  step: number,
  retryable: boolean,
): DunningStep | undefined {
  if (retryDays.length === 0) return step === 0 ? { step: 0, at: failedAt, charge: false } : undefined;
  if (!retryable) {
    const last = retryDays.length - 1;
    return step <= last ? { step: last, at: addDays(failedAt, retryDays[last]!), charge: false } : undefined;
  }
  const days = retryDays[step];
  return days === undefined ? undefined : { step, at: addDays(failedAt, days), charge: true };
}

/** The step that follows `step` after another failure; undefined when dunning is exhausted. */
export function nextDunningStep(
  failedAt: string,
  retryDays: readonly number[],
  step: number,
  retryable: boolean,
): DunningStep | undefined {
  if (!retryable) {
    // A hard decline during the retries: no more charges, the grace still runs to its deadline.
    const deadline = dunningStep(failedAt, retryDays, 0, false);
    return deadline && deadline.step > step ? deadline : undefined;
  }
  return dunningStep(failedAt, retryDays, step + 1, true);
}
