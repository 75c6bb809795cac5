/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { MetricsHistory, MetricsSummary, MoneyByCurrency, Ratio } from "@tessera/core";
import { LineChart } from "../charts.js";
import { formatMoney, problemText, Time } from "../ui.js";
import type { ConsolePage } from "./registry.js";

/* Overview: the server's metrics (GET /v1/metrics/*), with their definitions as help. */

const moneyText = (m: MoneyByCurrency) =>
  m.length === 0 ? "—" : m.map((x) => formatMoney(x.amount, x.currency)).join(" · ");
const pct = (r: Ratio) => (r.rate === null ? "—" : `${(r.rate * 100).toFixed(1)} %`);

function Card(props: { label: string; value: string; detail?: string }) {
  return (
    <div class="card">
      <dt>{props.label}</dt>
      <dd>
        {props.value}
        {props.detail ? <small>{props.detail}</small> : null}
      </dd>
    </div>
  );
}

const DEFINITIONS: Array<[string, string]> = [
  [
    "MRR",
    "Paying subscriptions (active or in grace, like Stripe's past_due) at their price per month; trials excluded.",
  ],
  ["ARR", "MRR × 12."],
  ["Active subscriptions", "Subscriptions paying now (active + grace)."],
  ["Trial conversion", "Of the trials that ended in the last 30 days, the share that became active."],
  ["Customer churn", "Customers paying 30 days ago who pay for nothing now, over those paying 30 days ago."],
  ["MRR churn", "MRR of subscriptions paying 30 days ago and not now, over the MRR of 30 days ago."],
  ["New customers", "Customers whose first payment fell in the last 30 days (a free trial alone does not count)."],
  ["Revenue", "Payments that succeeded in the last 28 days, minus what was refunded of them."],
  ["Recovery", "Periods whose first charge failed in the last 30 days that a later attempt paid."],
];

export const overviewPage: ConsolePage = {
  path: "overview",
  nav: "Overview",
  permission: "metrics:read",
  async render({ api }) {
    const [summary, history] = await Promise.all([
      api<MetricsSummary>("GET", "/v1/metrics/summary"),
      api<MetricsHistory>("GET", "/v1/metrics/history?weeks=12"),
    ]);
    if (!summary.ok || !history.ok)
      return { title: "Overview", body: <p class="error">{problemText(summary.body)}</p> };
    const s = summary.body;
    const currency = s.mrr[0]?.currency ?? history.body.points.at(-1)?.mrr[0]?.currency;
    const mrrSeries = history.body.points.map((p) => p.mrr.find((m) => m.currency === currency)?.amount ?? 0);
    return {
      title: "Overview",
      body: (
        <>
          <p class="hint">
            As of <Time at={s.as_of} /> (this environment's clock).
          </p>
          <dl class="cards">
            <Card label="MRR" value={moneyText(s.mrr)} />
            <Card label="ARR" value={moneyText(s.arr)} />
            <Card label="Active subscriptions" value={String(s.active_subscriptions)} />
            <Card label="Active trials" value={String(s.active_trials)} />
            <Card
              label="Trial conversion (30 d)"
              value={pct(s.trial_conversion_30d)}
              detail={`${s.trial_conversion_30d.numerator} of ${s.trial_conversion_30d.denominator} trials`}
            />
            <Card
              label="Customer churn (30 d)"
              value={pct(s.customer_churn_30d)}
              detail={`${s.customer_churn_30d.numerator} of ${s.customer_churn_30d.denominator} customers`}
            />
            <Card
              label="MRR churn (30 d)"
              value={
                s.mrr_churn_30d.length === 0
                  ? "—"
                  : s.mrr_churn_30d
                      .map((m) => `${m.currency} ${m.rate === null ? "—" : `${(m.rate * 100).toFixed(1)} %`}`)
                      .join(" · ")
              }
            />
            <Card label="New customers (30 d)" value={String(s.new_customers_30d)} />
            <Card label="Revenue (28 d)" value={moneyText(s.revenue_28d)} />
            <Card
              label="Failed-payment recovery (30 d)"
              value={pct(s.payment_recovery_30d)}
              detail={`${s.payment_recovery_30d.numerator} of ${s.payment_recovery_30d.denominator} periods`}
            />
          </dl>
          <div class="charts">
            {currency ? (
              <LineChart
                label={`MRR (${currency}), 12 weeks`}
                values={mrrSeries}
                format={(n) => formatMoney(n, currency)}
              />
            ) : null}
            <LineChart
              label="Active subscriptions, 12 weeks"
              values={history.body.points.map((p) => p.active_subscriptions)}
              format={(n) => String(n)}
            />
          </div>
          <details class="panel">
            <summary>How these are computed</summary>
            <dl class="props">
              {DEFINITIONS.map(([term, text]) => (
                <>
                  <dt>{term}</dt>
                  <dd>{text}</dd>
                </>
              ))}
            </dl>
            <p class="hint">Amounts are per currency, never converted. Full definitions: docs/metrics.md.</p>
          </details>
        </>
      ),
    };
  },
};
