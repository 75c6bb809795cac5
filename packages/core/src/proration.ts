/**
 * Proration in integer minor units, computed with BigInt so `amount × milliseconds` never loses
 * precision (9.99 EUR × a year in ms is already past 2^53 / 1000).
 *
 * Rounding rule: a prorated share is the exact fraction `amount × remaining / length`, rounded
 * DOWN to a whole minor unit. The same rule applies to the credit for the old price and to the
 * charge for the new one, so:
 *   - a credit is never negative and never more than what was paid,
 *   - credit + used = paid exactly (the used part takes the fraction the credit drops),
 *   - on the same billing cycle an upgrade (new amount ≥ old) never produces a negative amount due,
 *     because flooring is monotone.
 * Rounding down favours the customer on the new charge and the merchant on the credit by at most
 * one minor unit each.
 */

export interface ProrationWindow {
  /** Period start, end and the instant of the change, in ms since the epoch. */
  startMs: number;
  endMs: number;
  atMs: number;
}

/** `amount × part / whole`, rounded down; part is clamped to [0, whole]. */
export function prorateShare(amount: number, part: number, whole: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError(`amount must be a non-negative integer: ${amount}`);
  if (!(whole > 0)) return 0;
  const clamped = Math.min(Math.max(part, 0), whole);
  return Number((BigInt(amount) * BigInt(Math.round(clamped))) / BigInt(Math.round(whole)));
}

export interface UnusedSplit {
  /** What goes back to the customer for the time not used. */
  credit: number;
  /** What the used time cost: paid − credit. */
  used: number;
}

/** The split of what was paid for a period at the instant of a change. */
export function splitUnused(paid: number, w: ProrationWindow): UnusedSplit {
  const credit = prorateShare(paid, w.endMs - w.atMs, w.endMs - w.startMs);
  return { credit, used: paid - credit };
}

export interface UpgradeQuote {
  /** Credit for the unused time of the old price. */
  credit: number;
  /** What the new price costs from the change on: the rest of this cycle, or a whole new period. */
  charge: number;
  /** charge − credit. Negative means the change would owe the customer money (a downgrade). */
  amount_due: number;
}

/**
 * Quotes a change of price at `atMs` within the current period.
 * - `sameCycle` (same interval and count): the period keeps its end, the new price is prorated
 *   over what is left of it.
 * - otherwise a new period starts at the change and the new price is charged in full.
 */
export function quoteChange(input: {
  paid: number;
  newAmount: number;
  window: ProrationWindow;
  sameCycle: boolean;
}): UpgradeQuote {
  const { credit } = splitUnused(input.paid, input.window);
  const { startMs, endMs, atMs } = input.window;
  const charge = input.sameCycle ? prorateShare(input.newAmount, endMs - atMs, endMs - startMs) : input.newAmount;
  return { credit, charge, amount_due: charge - credit };
}
