import { z } from "zod";
import { Currency, Timestamp } from "./common.js";

/*
 * Subscription metrics computed by the server (GET /v1/metrics/…). Definitions follow Stripe
 * Billing and ChartMogul; docs/metrics.md states each one. Money is per currency (no conversion):
 * a list of { currency, amount } in minor units.
 */

export const MoneyByCurrency = z
  .array(z.object({ currency: Currency, amount: z.number().int() }))
  .meta({ id: "MoneyByCurrency", description: "One amount per currency, in minor units; currencies are never mixed." });
export type MoneyByCurrency = z.infer<typeof MoneyByCurrency>;

/** A rate with what it was computed from, so a reader can check it (null when the base is 0). */
export const Ratio = z
  .object({
    rate: z.number().nullable().meta({ description: "numerator / denominator, 0…1; null when the denominator is 0." }),
    numerator: z.number(),
    denominator: z.number(),
  })
  .meta({ id: "Ratio" });
export type Ratio = z.infer<typeof Ratio>;

export const MetricsSummary = z
  .object({
    object: z.literal("metrics_summary"),
    as_of: Timestamp.meta({ description: "The environment's now (its test clock when frozen)." }),
    mrr: MoneyByCurrency,
    arr: MoneyByCurrency,
    active_subscriptions: z.number().int(),
    active_trials: z.number().int(),
    trial_conversion_30d: Ratio,
    customer_churn_30d: Ratio,
    mrr_churn_30d: z.array(
      z.object({ currency: Currency, rate: z.number().nullable(), churned: z.number().int(), base: z.number().int() }),
    ),
    new_customers_30d: z.number().int(),
    revenue_28d: MoneyByCurrency,
    payment_recovery_30d: Ratio,
  })
  .meta({ id: "MetricsSummary" });
export type MetricsSummary = z.infer<typeof MetricsSummary>;

export const MetricsHistoryQuery = z.object({
  weeks: z.coerce.number().int().min(1).max(104).default(12).meta({ description: "How many weeks back." }),
});

export const MetricsHistory = z
  .object({
    object: z.literal("metrics_history"),
    points: z.array(
      z.object({ at: Timestamp, mrr: MoneyByCurrency, active_subscriptions: z.number().int() }).meta({
        id: "MetricsPoint",
      }),
    ),
  })
  .meta({ id: "MetricsHistory" });
export type MetricsHistory = z.infer<typeof MetricsHistory>;
