import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advance,
  type BillingCatalog,
  billingCatalog,
  eventsOf,
  freezeAt,
  paymentsOf,
  sandboxCharges,
  subscribe,
} from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

/* Each test runs in an environment of its own, so its test clock moves only its subscriptions. */

describe("renewals, trials, terms and scheduled changes over simulated time", () => {
  let ctx: TestContext;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  async function world(start: string, options: Parameters<typeof billingCatalog>[1] = {}) {
    const tenant: TestTenant = await createTestTenant(ctx, `renewals-${++n}`);
    await freezeAt(tenant.api, start);
    return { api: tenant.api, cat: (await billingCatalog(tenant.api, options)) as BillingCatalog };
  }
  const get = async (api: TestTenant["api"], id: string) => (await api("GET", `/v1/subscriptions/${id}`)).body;

  it("renews monthly for a year from the 31st without drifting, charging each period exactly once", async () => {
    const { api, cat } = await world("2026-01-31T10:00:00.000Z");
    const sub = await subscribe(api, cat, {});
    const moved = await advance(api, "P1Y");
    expect(moved.jobs_run).toBeGreaterThanOrEqual(12);
    const after = await get(api, sub.id);
    expect(after).toMatchObject({
      status: "active",
      period_index: 13,
      current_period_start: "2027-01-31T10:00:00.000Z",
      current_period_end: "2027-02-28T10:00:00.000Z",
      status_history: [{ status: "active", reason: "created" }],
    });
    const payments = await paymentsOf(api, sub.id);
    expect(payments.map((p) => [p.period_index, p.attempt, p.status, p.amount])).toEqual(
      Array.from({ length: 13 }, (_, i) => [i + 1, 1, "succeeded", 999]),
    );
    expect(payments.slice(1).every((p) => p.kind === "renewal")).toBe(true);
    expect(await sandboxCharges(ctx, sub.id)).toHaveLength(13);
    const renewed = (await eventsOf(api, sub.id)).filter((e) => e.type === "subscription.renewed");
    expect(renewed.map((e) => e.data.object.current_period_start.slice(0, 10))).toEqual([
      "2026-02-28",
      "2026-03-31",
      "2026-04-30",
      "2026-05-31",
      "2026-06-30",
      "2026-07-31",
      "2026-08-31",
      "2026-09-30",
      "2026-10-31",
      "2026-11-30",
      "2026-12-31",
      "2027-01-31",
    ]);
    // Each renewal's events share one correlation id, distinct per renewal.
    expect(new Set(renewed.map((e) => e.correlation_id)).size).toBe(12);
  });

  it("ends a trial by charging the first period", async () => {
    const { api, cat } = await world("2026-02-01T00:00:00.000Z");
    const sub = await subscribe(api, cat, { price: cat.prices.trial });
    await advance(api, "P14D");
    const after = await get(api, sub.id);
    expect(after).toMatchObject({
      status: "active",
      period_index: 1,
      current_period_start: "2026-02-15T00:00:00.000Z",
      current_period_end: "2026-03-15T00:00:00.000Z",
      latest_payment: { kind: "trial_conversion", status: "succeeded", amount: 999 },
    });
    expect(after.status_history.map((h: { status: string; reason: string }) => [h.status, h.reason])).toEqual([
      ["trial", "created"],
      ["active", "trial_paid"],
    ]);
  });

  it("a trial whose first charge fails goes to grace; one cancelled during the trial ends without a charge", async () => {
    const { api, cat } = await world("2026-02-01T00:00:00.000Z");
    const failing = await subscribe(api, cat, { price: cat.prices.trial, payment_method: "pm_sandbox_declined" });
    const leaving = await subscribe(api, cat, { price: cat.prices.trial });
    await api("POST", `/v1/subscriptions/${leaving.id}/cancel`, { at_period_end: true });
    await advance(api, "P14D");
    expect(await get(api, failing.id)).toMatchObject({
      status: "grace",
      period_index: 1,
      next_retry_at: "2026-02-16T00:00:00.000Z",
    });
    expect(await get(api, leaving.id)).toMatchObject({
      status: "cancelled",
      ended_at: "2026-02-15T00:00:00.000Z",
      latest_payment: null,
    });
    expect(await paymentsOf(api, leaving.id)).toEqual([]);
  });

  it("cancels at the period end instead of renewing", async () => {
    const { api, cat } = await world("2026-04-01T00:00:00.000Z");
    const sub = await subscribe(api, cat, {});
    await api("POST", `/v1/subscriptions/${sub.id}/cancel`, { at_period_end: true });
    await advance(api, "P2M");
    expect(await get(api, sub.id)).toMatchObject({
      status: "cancelled",
      ended_at: "2026-05-01T00:00:00.000Z",
      period_index: 1,
    });
    expect(await paymentsOf(api, sub.id)).toHaveLength(1);
    const last = (await eventsOf(api, sub.id)).at(-1);
    expect(last).toMatchObject({ type: "subscription.cancelled", created_at: "2026-05-01T00:00:00.000Z" });
  });

  it("expires a fixed-term price after its last period", async () => {
    const { api, cat } = await world("2026-04-01T00:00:00.000Z");
    const sub = await subscribe(api, cat, { price: cat.prices.term });
    await advance(api, "P6M");
    expect(await get(api, sub.id)).toMatchObject({
      status: "expired",
      period_index: 3,
      ended_at: "2026-07-01T00:00:00.000Z",
    });
    expect((await paymentsOf(api, sub.id)).map((p) => p.period_index)).toEqual([1, 2, 3]);
  });

  it("applies a scheduled plan change at renewal and charges the new price", async () => {
    const { api, cat } = await world("2026-04-01T00:00:00.000Z");
    const sub = await subscribe(api, cat, { price: cat.prices.premium });
    await api("POST", `/v1/subscriptions/${sub.id}/change-plan`, {
      price: cat.prices.monthly,
      proration: "period_end",
    });
    await advance(api, "P1M");
    expect(await get(api, sub.id)).toMatchObject({
      price: cat.prices.monthly,
      bundle: cat.bundles.pro,
      pending_plan_change: null,
      period_index: 2,
      latest_payment: { amount: 999, kind: "renewal" },
    });
    expect((await eventsOf(api, sub.id)).map((e) => e.type)).toEqual(
      expect.arrayContaining(["subscription.plan_changed", "subscription.renewed"]),
    );
  });

  it("renews on credit when the provider times out, and the check confirms the charge", async () => {
    const { api, cat } = await world("2026-04-01T00:00:00.000Z");
    const sub = await subscribe(api, cat, {});
    await api("POST", `/v1/subscriptions/${sub.id}/payment-method`, { payment_method: "pm_sandbox_timeout" });
    await advance(api, "P1M");
    expect(await get(api, sub.id)).toMatchObject({
      status: "active",
      period_index: 2,
      latest_payment: { status: "pending" },
    });
    await advance(api, "PT1H");
    expect(await get(api, sub.id)).toMatchObject({ status: "active", latest_payment: { status: "succeeded" } });
    expect(await sandboxCharges(ctx, sub.id)).toHaveLength(2);
  });

  it("a free price renews without payments", async () => {
    const { api, cat } = await world("2026-04-01T00:00:00.000Z");
    const sub = await subscribe(api, cat, { price: cat.prices.free });
    await advance(api, "P3M");
    expect(await get(api, sub.id)).toMatchObject({ status: "active", period_index: 4 });
    expect(await paymentsOf(api, sub.id)).toEqual([]);
  });
});
