import type { MetricsHistory, MetricsSummary } from "../generated/types.js";
import type { RequestOptions } from "./http.js";
import { Namespace } from "./resources.js";

/**
 * Subscription metrics computed by the server (`tessera.metrics`): needs `metrics:read`.
 * Definitions: docs/metrics.md. Money is per currency, in minor units.
 *
 * @example
 * const { mrr, customer_churn_30d } = await tessera.metrics.summary();
 */
export class MetricsApi extends Namespace {
  /**
   * Every figure at the environment's now (its test clock when frozen).
   *
   * @example
   * const summary = await tessera.metrics.summary();
   * console.log(summary.mrr, summary.trial_conversion_30d.rate);
   */
  summary(options?: RequestOptions): Promise<MetricsSummary> {
    return this.call("GET", "/v1/metrics/summary", options);
  }

  /**
   * MRR and active subscriptions once a week for `weeks` weeks (default 12), oldest first.
   *
   * @example
   * const { points } = await tessera.metrics.history({ weeks: 26 });
   */
  history(params?: { weeks?: number }, options?: RequestOptions): Promise<MetricsHistory> {
    return this.call("GET", "/v1/metrics/history", { ...options, query: params });
  }
}
