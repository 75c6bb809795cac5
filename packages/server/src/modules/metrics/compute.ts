import type { Interval, MetricsSummary, MoneyByCurrency, Ratio, StatusChange, SubscriptionStatus } from "@tessera/core";

/*
 * The metric definitions of docs/metrics.md, as pure functions of rows and an instant, so the
 * arithmetic is tested apart from the database. Statuses at a past instant come from each
 * subscription's status history (the last change at or before it).
 */

export interface SubscriptionFacts {
  id: string;
  customerId: string;
  history: StatusChange[];
  currency: string;
  amount: number;
  interval: Interval;
  intervalCount: number;
}

export interface PaymentFacts {
  subscriptionId: string | null;
  periodIndex: number;
  attempt: number;
  status: "pending" | "authorized" | "succeeded" | "failed" | "refunded" | "voided";
  amount: number;
  refundedAmount: number;
  currency: string;
  createdAt: string;
}

const DAY_MS = 24 * 3600 * 1000;
/** Paying subscriptions: in MRR and counted as active. Grace is Stripe's past_due: still in MRR. */
const PAYING: ReadonlySet<SubscriptionStatus> = new Set(["active", "grace"]);
/** Months per one interval unit, to bring any price to a monthly amount. */
const MONTHS_PER: Record<Interval, number> = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 };

export const daysBefore = (at: string, days: number) => new Date(new Date(at).getTime() - days * DAY_MS).toISOString();

/** The subscription's status at `at`, or undefined before it existed. */
export function statusAt(s: SubscriptionFacts, at: string): SubscriptionStatus | undefined {
  let status: SubscriptionStatus | undefined;
  for (const change of s.history) {
    if (change.at > at) break;
    status = change.status;
  }
  return status;
}

const payingAt = (s: SubscriptionFacts, at: string) => PAYING.has(statusAt(s, at) as SubscriptionStatus);

/** The price brought to one month (fractional; sums are rounded once, per currency). */
export function monthlyAmount(s: Pick<SubscriptionFacts, "amount" | "interval" | "intervalCount">): number {
  return s.amount / (MONTHS_PER[s.interval] * s.intervalCount);
}

function sumByCurrency(items: Array<{ currency: string; amount: number }>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(item.currency, (sums.get(item.currency) ?? 0) + item.amount);
  return sums;
}

const money = (sums: Map<string, number>, factor = 1): MoneyByCurrency =>
  [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ currency, amount: Math.round(amount * factor) }));

const ratio = (numerator: number, denominator: number): Ratio => ({
  rate: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});

function mrrSums(subscriptions: SubscriptionFacts[], at: string): Map<string, number> {
  return sumByCurrency(
    subscriptions.filter((s) => payingAt(s, at)).map((s) => ({ currency: s.currency, amount: monthlyAmount(s) })),
  );
}

export const mrrAt = (subscriptions: SubscriptionFacts[], at: string): MoneyByCurrency =>
  money(mrrSums(subscriptions, at));

export const activeAt = (subscriptions: SubscriptionFacts[], at: string): number =>
  subscriptions.filter((s) => payingAt(s, at)).length;

/** When the subscription first left its trial (undefined: never trialled, or still trialling). */
function trialExit(s: SubscriptionFacts): { at: string; converted: boolean } | undefined {
  const start = s.history.findIndex((c) => c.status === "trial");
  if (start < 0) return undefined;
  const exit = s.history.slice(start + 1).find((c) => c.status !== "trial");
  if (!exit) return undefined;
  return { at: exit.at, converted: s.history.slice(start + 1).some((c) => c.status === "active") };
}

/** The first instant any of the customer's subscriptions was paying. */
function firstPaying(subscriptions: SubscriptionFacts[]): Map<string, string> {
  const first = new Map<string, string>();
  for (const s of subscriptions) {
    const change = s.history.find((c) => PAYING.has(c.status));
    if (!change) continue;
    const known = first.get(s.customerId);
    if (!known || change.at < known) first.set(s.customerId, change.at);
  }
  return first;
}

export function summarize(
  subscriptions: SubscriptionFacts[],
  payments: PaymentFacts[],
  asOf: string,
): Omit<MetricsSummary, "object"> {
  const monthAgo = daysBefore(asOf, 30);
  const inWindow = (at: string, since: string) => at > since && at <= asOf;

  const mrr = mrrSums(subscriptions, asOf);

  const trials = subscriptions.map(trialExit).filter((t) => t !== undefined && inWindow(t.at, monthAgo));
  const converted = trials.filter((t) => t?.converted).length;

  // Customers paying 30 days ago who pay for nothing now; MRR they (and any paying subscription
  // that stopped) took with them, over the MRR of 30 days ago.
  const payingThen = new Set(subscriptions.filter((s) => payingAt(s, monthAgo)).map((s) => s.customerId));
  const payingNow = new Set(subscriptions.filter((s) => payingAt(s, asOf)).map((s) => s.customerId));
  const churnedCustomers = [...payingThen].filter((c) => !payingNow.has(c)).length;
  const baseMrr = mrrSums(subscriptions, monthAgo);
  const churnedMrr = sumByCurrency(
    subscriptions
      .filter((s) => payingAt(s, monthAgo) && !payingAt(s, asOf))
      .map((s) => ({ currency: s.currency, amount: monthlyAmount(s) })),
  );
  const mrrChurn = [...baseMrr.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, base]) => {
      const churned = churnedMrr.get(currency) ?? 0;
      return {
        currency,
        rate: base === 0 ? null : churned / base,
        churned: Math.round(churned),
        base: Math.round(base),
      };
    });

  const newCustomers = [...firstPaying(subscriptions).values()].filter((at) => inWindow(at, monthAgo)).length;

  const revenueSince = daysBefore(asOf, 28);
  const revenue = sumByCurrency(
    payments
      .filter((p) => (p.status === "succeeded" || p.status === "refunded") && inWindow(p.createdAt, revenueSince))
      .map((p) => ({ currency: p.currency, amount: p.amount - p.refundedAmount })),
  );

  // A period whose first charge failed in the window is recovered when any later attempt paid it.
  const periods = new Map<string, PaymentFacts[]>();
  for (const p of payments) {
    if (!p.subscriptionId) continue;
    const key = `${p.subscriptionId}:${p.periodIndex}`;
    periods.set(key, [...(periods.get(key) ?? []), p]);
  }
  const failedFirst = [...periods.values()].filter((attempts) =>
    attempts.some((p) => p.attempt === 1 && p.status === "failed" && inWindow(p.createdAt, monthAgo)),
  );
  const recovered = failedFirst.filter((attempts) =>
    attempts.some((p) => p.status === "succeeded" || p.status === "refunded"),
  ).length;

  return {
    as_of: asOf,
    mrr: money(mrr),
    arr: money(mrr, 12),
    active_subscriptions: activeAt(subscriptions, asOf),
    active_trials: subscriptions.filter((s) => statusAt(s, asOf) === "trial").length,
    trial_conversion_30d: ratio(converted, trials.length),
    customer_churn_30d: ratio(churnedCustomers, payingThen.size),
    mrr_churn_30d: mrrChurn,
    new_customers_30d: newCustomers,
    revenue_28d: money(revenue),
    payment_recovery_30d: ratio(recovered, failedFirst.length),
  };
}
