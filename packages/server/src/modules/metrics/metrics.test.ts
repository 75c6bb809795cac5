import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advance, freezeAt } from "../../../test/billing-setup.js";
import type { Json } from "../../../test/harness.js";
import { type ApiClient, createTestApp, createTestTenant, type TestContext } from "../../../test/harness.js";

/*
 * A hand-checked month of one merchant, built through the API with the sandbox and a test clock,
 * then read back from GET /v1/metrics/*. Every expected figure is worked out in the comments from
 * the definitions in docs/metrics.md.
 *
 * Jan 1  A monthly 10.00 EUR, B yearly 120.00 EUR (= 10.00/month), C monthly 5.00 USD, F monthly
 *        10.00 EUR, H and I monthly 10.00 EUR (their cards decline after the first charge),
 *        D and E with a 14-day trial of the monthly price.
 * Jan 12 E is cancelled during its trial.     Jan 15 D's trial converts (10.00 EUR charged).
 * Jan 20 F is cancelled.                      Feb 1  A, C renew; H and I decline (grace).
 * Feb 2  H gets a good card and is retried: paid. 3.00 EUR of A's Feb 1 payment is refunded.
 * Feb 5  G starts a trial.                    Feb 10 the metrics are read.
 */

let ctx: TestContext;
let api: ApiClient;
const subs: Record<string, Json> = {};

async function ok(res: { status: number; body: Json }, status = 200) {
  if (res.status !== status) throw new Error(`${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  ctx = await createTestApp();
  api = (await createTestTenant(ctx, "metrics")).api;
  await freezeAt(api, "2026-01-01T00:00:00.000Z");
  const ent = await ok(await api("POST", "/v1/entitlements", { key: "m-access", name: "Access", kind: "flag" }), 201);
  const bundle = await ok(
    await api("POST", "/v1/bundles", {
      key: "m-pro",
      name: "Pro",
      entitlements: [{ key: ent.key }],
      prices: [
        { currency: "EUR", amount: 1000, interval: "month" },
        { currency: "EUR", amount: 12000, interval: "year" },
        { currency: "USD", amount: 500, interval: "month" },
        { currency: "EUR", amount: 1000, interval: "month", trial_days: 14 },
      ],
    }),
    201,
  );
  const [monthly, yearly, usd, trial] = bundle.prices.map((p: { id: string }) => p.id);
  const storefront = await ok(
    await api("POST", "/v1/storefronts", {
      key: "m-web",
      name: "Web",
      type: "web",
      bundles: [bundle.id],
      payment_providers: [{ name: "sandbox" }],
      // The first dunning retry comes after the day the metrics are read: I stays in grace.
      dunning: { retry_days: [20] },
    }),
    201,
  );
  const subscribe = async (name: string, price: string, payment_method = "pm_sandbox_ok") => {
    const customer = await ok(
      await api("POST", "/v1/customers", { storefront: storefront.id, external_id: `metrics-${name}` }),
      201,
    );
    subs[name] = await ok(
      await api("POST", "/v1/subscriptions", { customer: customer.id, price, payment_method }),
      201,
    );
  };
  await subscribe("A", monthly);
  await subscribe("B", yearly);
  await subscribe("C", usd);
  await subscribe("F", monthly);
  await subscribe("H", monthly, "pm_sandbox_ok_then_decline");
  await subscribe("I", monthly, "pm_sandbox_ok_then_decline");
  await subscribe("D", trial);
  await subscribe("E", trial);

  const cancelNow = async (name: string) =>
    ok(await api("POST", `/v1/subscriptions/${subs[name].id}/cancel`, { at_period_end: false }));
  await freezeAt(api, "2026-01-12T00:00:00.000Z");
  await cancelNow("E");
  await freezeAt(api, "2026-01-20T00:00:00.000Z");
  await cancelNow("F");
  await freezeAt(api, "2026-02-01T12:00:00.000Z");
  await freezeAt(api, "2026-02-02T00:00:00.000Z");
  const h = subs.H.id;
  await ok(await api("POST", `/v1/subscriptions/${h}/payment-method`, { payment_method: "pm_sandbox_ok" }));
  expect((await ok(await api("POST", `/v1/subscriptions/${h}/retry`))).status).toBe("active");
  const aPayments = await ok(await api("GET", `/v1/payments?subscription=${subs.A.id}&limit=10`));
  const renewal = aPayments.data.find((p: { period_index: number }) => p.period_index === 2);
  await ok(await api("POST", `/v1/payments/${renewal.id}/refund`, { amount: 300 }));
  await freezeAt(api, "2026-02-05T00:00:00.000Z");
  await subscribe("G", trial);
  await advance(api, "P5D");
});
afterAll(() => ctx?.close());

describe("GET /v1/metrics/summary on a hand-checked month", () => {
  it("sees the scenario the comments describe", async () => {
    const statuses = await Promise.all(
      Object.entries(subs).map(async ([name, s]) => [
        name,
        (await api("GET", `/v1/subscriptions/${s.id}`)).body.status,
      ]),
    );
    expect(Object.fromEntries(statuses)).toEqual({
      A: "active",
      B: "active",
      C: "active",
      D: "active",
      E: "cancelled",
      F: "cancelled",
      G: "trial",
      H: "active",
      I: "grace",
    });
  });

  it("computes every figure as worked out by hand", async () => {
    const summary = await ok(await api("GET", "/v1/metrics/summary"));
    expect(summary).toEqual({
      object: "metrics_summary",
      as_of: "2026-02-10T00:00:00.000Z",
      // A + B (12000 / 12) + D + H + I (grace still counts, like Stripe's past_due); C in USD.
      mrr: [
        { currency: "EUR", amount: 5000 },
        { currency: "USD", amount: 500 },
      ],
      arr: [
        { currency: "EUR", amount: 60000 },
        { currency: "USD", amount: 6000 },
      ],
      active_subscriptions: 6, // A B C D H I
      active_trials: 1, // G
      // Trials that ended in (Jan 11, Feb 10]: D (converted Jan 15), E (cancelled Jan 12).
      trial_conversion_30d: { rate: 0.5, numerator: 1, denominator: 2 },
      // Paying on Jan 11: A B C F H I; of them only F pays for nothing now.
      customer_churn_30d: { rate: 1 / 6, numerator: 1, denominator: 6 },
      // EUR MRR on Jan 11: A B F H I = 5000; F's 1000 left.
      mrr_churn_30d: [
        { currency: "EUR", rate: 0.2, churned: 1000, base: 5000 },
        { currency: "USD", rate: 0, churned: 0, base: 500 },
      ],
      new_customers_30d: 1, // D first paid on Jan 15; G has not paid yet
      // (Jan 13, Feb 10]: D 1000 + A 1000 − 300 refunded + H's retry 1000; C 500 USD.
      revenue_28d: [
        { currency: "EUR", amount: 2700 },
        { currency: "USD", amount: 500 },
      ],
      // First charges that failed in the window: H and I's Feb 1 renewals; H's was paid later.
      payment_recovery_30d: { rate: 0.5, numerator: 1, denominator: 2 },
    });
  });

  it("gives weekly history points ending now", async () => {
    const history = await ok(await api("GET", "/v1/metrics/history?weeks=6"));
    expect(history.points.map((p: { at: string }) => p.at)).toEqual([
      "2025-12-30T00:00:00.000Z",
      "2026-01-06T00:00:00.000Z",
      "2026-01-13T00:00:00.000Z",
      "2026-01-20T00:00:00.000Z",
      "2026-01-27T00:00:00.000Z",
      "2026-02-03T00:00:00.000Z",
      "2026-02-10T00:00:00.000Z",
    ]);
    expect(history.points[0]).toMatchObject({ mrr: [], active_subscriptions: 0 });
    // Jan 6: A B F H I in EUR, C in USD; D and E are trialling.
    expect(history.points[1]).toMatchObject({
      mrr: [
        { currency: "EUR", amount: 5000 },
        { currency: "USD", amount: 500 },
      ],
      active_subscriptions: 6,
    });
    const summary = await ok(await api("GET", "/v1/metrics/summary"));
    expect(history.points[6]).toMatchObject({ mrr: summary.mrr, active_subscriptions: 6 });
  });

  it("refuses bad input with a 400 problem", async () => {
    expect((await api("GET", "/v1/metrics/history?weeks=0")).status).toBe(400);
    expect((await api("GET", "/v1/metrics/history?weeks=abc")).status).toBe(400);
    expect((await api("GET", "/v1/metrics/history?weeks=105")).status).toBe(400);
  });
});
