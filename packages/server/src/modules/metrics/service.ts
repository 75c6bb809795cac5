import type { MetricsHistory, MetricsSummary, StatusChange } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { fromJson } from "../../lib/json.js";
import { activeAt, daysBefore, mrrAt, type SubscriptionFacts, summarize } from "./compute.js";
import { listPaymentsSince, listSubscriptionsWithPrices } from "./repo.js";

/**
 * Subscription metrics, computed on request from the environment's subscriptions and payments at
 * the environment's now (its test clock when frozen). One pass over the subscriptions per request:
 * fine for thousands; a consumer-fed snapshot table is the next step for millions (docs/metrics.md).
 */
export function metricsService(deps: Pick<Deps, "db">) {
  async function facts(scope: Scope): Promise<SubscriptionFacts[]> {
    const rows = await listSubscriptionsWithPrices(deps.db, scope);
    return rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      history: fromJson<StatusChange[]>(r.status_history, []).sort((a, b) => a.at.localeCompare(b.at)),
      currency: r.currency,
      amount: Number(r.amount),
      interval: r.interval,
      intervalCount: Number(r.interval_count),
    }));
  }

  return {
    async summary(scope: Scope): Promise<MetricsSummary> {
      const asOf = scope.clock.now().toISOString();
      const [subscriptions, payments] = await Promise.all([
        facts(scope),
        listPaymentsSince(deps.db, scope, daysBefore(asOf, 30)),
      ]);
      const paymentFacts = payments.map((p) => ({
        subscriptionId: p.subscription_id,
        periodIndex: Number(p.period_index),
        attempt: Number(p.attempt),
        status: p.status,
        amount: Number(p.amount),
        refundedAmount: Number(p.refunded_amount),
        currency: p.currency,
        createdAt: p.created_at,
      }));
      return { object: "metrics_summary", ...summarize(subscriptions, paymentFacts, asOf) };
    },

    /** MRR and active subscriptions once a week, oldest first, ending now. */
    async history(scope: Scope, weeks: number): Promise<MetricsHistory> {
      const asOf = scope.clock.now().toISOString();
      const subscriptions = await facts(scope);
      const points = Array.from({ length: weeks + 1 }, (_, i) => daysBefore(asOf, (weeks - i) * 7)).map((at) => ({
        at,
        mrr: mrrAt(subscriptions, at),
        active_subscriptions: activeAt(subscriptions, at),
      }));
      return { object: "metrics_history", points };
    },
  };
}

export type MetricsService = ReturnType<typeof metricsService>;
