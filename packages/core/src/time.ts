import type { Interval } from "./schemas/common.js";

const DAY_MS = 86_400_000;

/** Adds whole months in UTC, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(
      targetYear,
      targetMonth,
      day,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
}

/**
 * The end of `count` billing intervals after `anchor`. Always computed from the anchor, never by
 * adding one period to the last, so a subscription started on the 31st bills on the last day of
 * short months and returns to the 31st afterwards (no drift).
 */
export function addInterval(anchor: Date, interval: Interval, count: number): Date {
  switch (interval) {
    case "day":
      return new Date(anchor.getTime() + count * DAY_MS);
    case "week":
      return new Date(anchor.getTime() + count * 7 * DAY_MS);
    case "month":
      return addMonths(anchor, count);
    case "year":
      return addMonths(anchor, count * 12);
  }
}

const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function isIsoDuration(value: string): boolean {
  return DURATION.test(value);
}

/** Adds an ISO-8601 duration such as `P8D`, `P1M`, `PT12H` or `P1Y2M3DT4H` (calendar-aware). */
export function addIsoDuration(date: Date, duration: string): Date {
  const m = DURATION.exec(duration);
  if (!m) throw new RangeError(`not an ISO-8601 duration: ${duration}`);
  const [, y, mo, w, d, h, mi, s] = m.map((v) => (v === undefined ? 0 : Number(v)));
  let result = addMonths(date, (y ?? 0) * 12 + (mo ?? 0));
  const ms = ((w ?? 0) * 7 + (d ?? 0)) * DAY_MS + (h ?? 0) * 3_600_000 + (mi ?? 0) * 60_000 + (s ?? 0) * 1000;
  result = new Date(result.getTime() + ms);
  return result;
}
