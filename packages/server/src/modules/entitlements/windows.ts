import type { Interval } from "@tessera/core";

/**
 * Quota windows are calendar periods in UTC: a day from midnight, an ISO week from Monday
 * midnight, a month from the 1st, a year from January 1st. Not the subscription's period: a
 * customer's quota is the SUM of several sources (subscriptions with different anchors, manual
 * grants with none), so only a calendar window is one window for all of them, and it is the same
 * for everyone, which makes "resets at" easy to explain and to test.
 */
export interface QuotaWindow {
  start: Date;
  end: Date;
}

export function quotaWindow(period: Interval, at: Date): QuotaWindow {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  switch (period) {
    case "day":
      return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
    case "week": {
      // getUTCDay: Sunday = 0; ISO weeks start on Monday.
      const sinceMonday = (at.getUTCDay() + 6) % 7;
      return {
        start: new Date(Date.UTC(y, m, d - sinceMonday)),
        end: new Date(Date.UTC(y, m, d - sinceMonday + 7)),
      };
    }
    case "month":
      return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
    case "year":
      return { start: new Date(Date.UTC(y, 0, 1)), end: new Date(Date.UTC(y + 1, 0, 1)) };
  }
}
