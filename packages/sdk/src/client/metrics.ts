import type { MetricsHistory, MetricsHistoryParams, MetricsSummary } from "../generated/types.js";
import type { RequestOptions } from "./http.js";
import { Namespace } from "./resources.js";

/**
 * Subscription metrics computed by the server (`tessera.metrics`), defined in docs/metrics.md.
 *
 * @example
 * const { mrr, active_subscriptions } = await tessera.metrics.summary();
 */
export class MetricsApi extends Namespace {
  /**
   * MRR, ARR, active subscriptions and trials, trial conversion, churn, new customers, revenue,
   * failed-payment recovery, as of now.
   *
   * @example
   * const summary = await tessera.metrics.summary();
   */
  summary(options?: RequestOptions): Promise<MetricsSummary> {
    return this.call("GET", "/v1/metrics/summary", options);
  }

  /**
   * The same figures week by week, for charts.
   *
   * @example
   * const { points } = await tessera.metrics.history({ weeks: 12 });
   */
  history(params?: MetricsHistoryParams, options?: RequestOptions): Promise<MetricsHistory> {
    return this.call("GET", "/v1/metrics/history", { ...options, query: params });
  }
}
