import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advance, billingCatalog, eventsOf, freezeAt, paymentsOf, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { dunningStep, nextDunningStep } from "./dunning.js";

describe("dunning schedule", () => {
  const F = "2026-01-10T00:00:00.000Z";
  it("retries on the configured days, or only waits for the deadline after a hard decline", () => {
    expect([0, 1, 2, 3].map((s) => dunningStep(F, [1, 3, 5, 7], s, true)?.at.slice(0, 10))).toEqual([
      "2026-01-11",
      "2026-01-13",
      "2026-01-15",
      "2026-01-17",
    ]);
    expect(dunningStep(F, [1, 3, 5, 7], 4, true)).toBeUndefined();
    expect(dunningStep(F, [1, 3, 5, 7], 0, false)).toEqual({ step: 3, at: "2026-01-17T00:00:00.000Z", charge: false });
    expect(nextDunningStep(F, [1, 3, 5, 7], 1, false)).toEqual({
      step: 3,
      at: "2026-01-17T00:00:00.000Z",
      charge: false,
    });
    expect(nextDunningStep(F, [1, 3, 5, 7], 3, false)).toBeUndefined();
    expect(dunningStep(F, [], 0, true)).toEqual({ step: 0, at: F, charge: false });
  });
});

describe("dunning over simulated time", () => {
  let ctx: TestContext;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  async function world(options: Parameters<typeof billingCatalog>[1] = {}) {
    const tenant: TestTenant = await createTestTenant(ctx, `dunning-${++n}`);
    await freezeAt(tenant.api, "2026-06-01T00:00:00.000Z");
    return { tenant, api: tenant.api, cat: await billingCatalog(tenant.api, options) };
  }
  const get = async (api: TestTenant["api"], id: string) => (await api("GET", `/v1/subscriptions/${id}`)).body;
  const sources = (tenant: TestTenant, customer: string) =>
    ctx.services.subscriptions.listEntitlementSources(tenant.scopes.development!, customer);

  it("declines at renewal, retries after 1, 3, 5 and 7 days, suspends, and recovers on a manual retry", async () => {
    const { tenant, api, cat } = await world();
    const sub = await subscribe(api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await advance(api, "P1M");
    const grace = await get(api, sub.id);
    expect(grace).toMatchObject({ status: "grace", period_index: 2, next_retry_at: "2026-07-02T00:00:00.000Z" });
    expect(grace.latest_payment).toMatchObject({
      status: "failed",
      failure_code: "insufficient_funds",
      retryable: true,
    });
    // Grace still grants, until the next retry can change that.
    expect(await sources(tenant, sub.customer)).toEqual([
      {
        id: sub.id,
        bundle_id: cat.bundles.pro,
        status: "grace",
        current_period_end: "2026-08-01T00:00:00.000Z",
        cancel_at_period_end: false,
        next_change_at: "2026-07-02T00:00:00.000Z",
      },
    ]);

    await advance(api, "P8D");
    const suspended = await get(api, sub.id);
    expect(suspended).toMatchObject({ status: "suspended", next_retry_at: null });
    expect(suspended.status_history.map((h: { status: string; at: string }) => [h.status, h.at.slice(0, 10)])).toEqual([
      ["active", "2026-06-01"],
      ["grace", "2026-07-01"],
      ["suspended", "2026-07-08"],
    ]);
    const tries = (await paymentsOf(api, sub.id)).filter((p) => p.period_index === 2);
    expect(tries.map((p) => [p.attempt, p.status, p.created_at.slice(0, 10)])).toEqual([
      [1, "failed", "2026-07-01"],
      [2, "failed", "2026-07-02"],
      [3, "failed", "2026-07-04"],
      [4, "failed", "2026-07-06"],
      [5, "failed", "2026-07-08"],
    ]);
    expect(await sources(tenant, sub.customer)).toEqual([]);
    // The failure, every retry and the suspension belong to one story: the renewal's correlation id.
    const events = await eventsOf(api, sub.id);
    const story = events.filter((e) => ["subscription.grace_started", "subscription.suspended"].includes(e.type));
    expect(new Set(story.map((e) => e.correlation_id)).size).toBe(1);

    expect((await api("POST", `/v1/subscriptions/${sub.id}/retry`)).body).toMatchObject({
      status: 402,
      decline_code: "insufficient_funds",
    });
    await api("POST", `/v1/subscriptions/${sub.id}/payment-method`, { payment_method: "pm_sandbox_ok" });
    const recovered = await api("POST", `/v1/subscriptions/${sub.id}/retry`, undefined, {
      "x-request-id": "req-retry",
    });
    expect(recovered.body).toMatchObject({
      status: "active",
      period_index: 2,
      current_period_end: "2026-08-01T00:00:00.000Z",
      latest_payment: { status: "succeeded", attempt: 7, period_index: 2 },
    });
    expect(recovered.body.status_history.at(-1)).toMatchObject({ status: "active", reason: "payment_resolved" });
    const last = (await eventsOf(api, sub.id)).at(-1);
    expect(last).toMatchObject({ type: "subscription.recovered", correlation_id: "req-retry" });
    // Back on schedule: the next renewal charges period 3.
    await advance(api, "P1M");
    expect((await get(api, sub.id)).period_index).toBe(3);
  });

  it("a scheduled retry with a new payment method recovers from grace", async () => {
    const { api, cat } = await world({ retryDays: [2, 4] });
    const sub = await subscribe(api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await advance(api, "P1M");
    await api("POST", `/v1/subscriptions/${sub.id}/payment-method`, { payment_method: "pm_sandbox_ok" });
    await advance(api, "P2D");
    const after = await get(api, sub.id);
    expect(after).toMatchObject({
      status: "active",
      next_retry_at: null,
      current_period_end: "2026-08-01T00:00:00.000Z",
    });
    expect(after.status_history.at(-1)).toMatchObject({ status: "active", reason: "retry_succeeded" });
    // The step that would have run on day 4 is now stale: nothing more is charged for period 2.
    await advance(api, "P5D");
    expect((await paymentsOf(api, sub.id)).filter((p) => p.period_index === 2).map((p) => p.status)).toEqual([
      "failed",
      "succeeded",
    ]);
  });

  it("a hard decline is never retried automatically; the grace runs to the last retry day, then suspends", async () => {
    const { api, cat } = await world();
    const sub = await subscribe(api, cat, {});
    await api("POST", `/v1/subscriptions/${sub.id}/payment-method`, { payment_method: "pm_sandbox_declined_hard" });
    await advance(api, "P1M");
    expect(await get(api, sub.id)).toMatchObject({ status: "grace", next_retry_at: "2026-07-08T00:00:00.000Z" });
    await advance(api, "P8D");
    expect(await get(api, sub.id)).toMatchObject({ status: "suspended" });
    expect((await paymentsOf(api, sub.id)).filter((p) => p.period_index === 2)).toHaveLength(1);
  });

  it("with no retry days the grace ends at once", async () => {
    const { api, cat } = await world({ retryDays: [] });
    const sub = await subscribe(api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await advance(api, "P1M");
    const after = await get(api, sub.id);
    expect(after.status_history.map((h: { status: string }) => h.status)).toEqual(["active", "grace", "suspended"]);
  });

  it("a long suspension paid later starts a fresh period from the payment", async () => {
    const { api, cat } = await world({ retryDays: [1] });
    const sub = await subscribe(api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await advance(api, "P3M");
    expect((await get(api, sub.id)).status).toBe("suspended");
    await api("POST", `/v1/subscriptions/${sub.id}/payment-method`, { payment_method: "pm_sandbox_ok" });
    const res = await api("POST", `/v1/subscriptions/${sub.id}/retry`);
    expect(res.body).toMatchObject({
      status: "active",
      period_index: 2,
      current_period_start: "2026-09-01T00:00:00.000Z",
      current_period_end: "2026-10-01T00:00:00.000Z",
    });
  });

  it("cancelling in grace stops the retries", async () => {
    const { api, cat } = await world();
    const sub = await subscribe(api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await advance(api, "P1M");
    expect((await api("POST", `/v1/subscriptions/${sub.id}/cancel`, { at_period_end: true })).status).toBe(409);
    expect((await api("POST", `/v1/subscriptions/${sub.id}/cancel`, { at_period_end: false })).body.status).toBe(
      "cancelled",
    );
    await advance(api, "P10D");
    expect((await paymentsOf(api, sub.id)).filter((p) => p.period_index === 2)).toHaveLength(1);
  });
});
