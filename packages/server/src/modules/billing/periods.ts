import { addInterval, type Interval, type Price } from "@tessera/core";

/** What a price bills by; amounts and cycles of a price never change once created. */
export interface PriceTerms {
  id: string;
  bundle: string;
  currency: string;
  amount: number;
  interval: Interval;
  interval_count: number;
  trial_days: number;
  term_count: number | null;
  tax_code: Price["tax_code"];
  tax_behavior: Price["tax_behavior"];
}

export interface Bounds {
  start: string;
  end: string;
}

/**
 * Period `index` of a subscription anchored at `anchorAt`, where period `anchorPeriod` starts at
 * the anchor. Always computed from the anchor, never by adding one period to the previous end,
 * so a subscription started on the 31st bills on the last day of short months and returns to the
 * 31st afterwards.
 */
export function periodBounds(
  anchorAt: string,
  anchorPeriod: number,
  cycle: Pick<PriceTerms, "interval" | "interval_count">,
  index: number,
): Bounds {
  const anchor = new Date(anchorAt);
  const k = index - anchorPeriod;
  return {
    start: addInterval(anchor, cycle.interval, k * cycle.interval_count).toISOString(),
    end: addInterval(anchor, cycle.interval, (k + 1) * cycle.interval_count).toISOString(),
  };
}

export function sameCycle(
  a: Pick<PriceTerms, "interval" | "interval_count">,
  b: Pick<PriceTerms, "interval" | "interval_count">,
) {
  return a.interval === b.interval && a.interval_count === b.interval_count;
}

export const DAY_MS = 86_400_000;

export function addDays(at: string, days: number): string {
  return new Date(Date.parse(at) + days * DAY_MS).toISOString();
}
