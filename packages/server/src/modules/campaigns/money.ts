import type { CouponDuration } from "@tessera/core";

/** What a coupon takes off, as stored: one of the two. */
export interface CouponTerms {
  percentOffHundredths: number | null;
  amountsOff: Record<string, number> | null;
}

/**
 * The part of `amount` (minor units) a coupon takes off. Percent: `amount × percent`, rounded half
 * up to the minor unit (12.5% of 999 = 124.875 → 125). Amount off: the coupon's amount in the
 * charge's currency (0 when it has none). Never more than the amount: a charge is never negative.
 */
export function discountOf(terms: CouponTerms, amount: number, currency: string): number {
  if (amount <= 0) return 0;
  const off =
    terms.percentOffHundredths !== null
      ? Math.floor((amount * terms.percentOffHundredths + 5_000) / 10_000)
      : (terms.amountsOff?.[currency] ?? 0);
  return Math.min(Math.max(off, 0), amount);
}

/** The last period index a discount starting at `first` covers; null: every later one. */
export function lastPeriodOf(duration: CouponDuration, periods: number | null, first: number): number | null {
  if (duration === "once") return first;
  if (duration === "repeating") return first + (periods ?? 1) - 1;
  return null;
}

export function covers(d: { first_period: number; last_period: number | null }, periodIndex: number): boolean {
  return periodIndex >= d.first_period && (d.last_period === null || periodIndex <= d.last_period);
}

/** "12.5" for 1250 hundredths. */
export function percentLabel(hundredths: number): string {
  return String(hundredths / 100);
}
