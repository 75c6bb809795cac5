import { addInterval, quoteChange } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advance,
  type BillingCatalog,
  billingCatalog,
  eventsOf,
  freezeAt,
  paymentsOf,
  subscribe,
} from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

describe("changing subscriptions", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    await freezeAt(acme.api, "2026-05-01T00:00:00.000Z");
    cat = await billingCatalog(acme.api);
  });
  afterAll(() => ctx.close());

  const post = (id: string, action: string, body?: unknown) =>
    acme.api("POST", `/v1/subscriptions/${id}/${action}`, body);
  const types = async (id: string) => (await eventsOf(acme.api, id)).map((e) => e.type);

  it("cancels at period end, resumes, and cancels now", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const scheduled = await post(sub.id, "cancel", { at_period_end: true });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({
      status: "active",
      cancel_at_period_end: true,
      cancelled_at: "2026-05-01T00:00:00.000Z",
    });
    // Asking again changes nothing and writes no event.
    expect((await post(sub.id, "cancel", { at_period_end: true })).body.updated_at).toBe(scheduled.body.updated_at);
    const resumed = await post(sub.id, "resume");
    expect(resumed.body).toMatchObject({ status: "active", cancel_at_period_end: false, cancelled_at: null });
    expect((await post(sub.id, "resume")).body.code).toBe("INVALID_STATE_TRANSITION");
    const now = await post(sub.id, "cancel", { at_period_end: false });
    expect(now.body).toMatchObject({ status: "cancelled", ended_at: "2026-05-01T00:00:00.000Z" });
    expect(now.body.status_history.map((h: { status: string }) => h.status)).toEqual(["active", "cancelled"]);
    for (const [action, body] of [
      ["cancel", { at_period_end: false }],
      ["cancel", { at_period_end: true }],
      ["resume", undefined],
      ["payment-method", { payment_method: "pm_sandbox_ok" }],
      ["change-plan", { price: cat.prices.premium, proration: "now" }],
      ["retry", undefined],
    ] as const) {
      const res = await post(sub.id, action, body);
      expect({ status: res.status, code: res.body.code }, action).toEqual({
        status: 409,
        code: "INVALID_STATE_TRANSITION",
      });
    }
    expect(await types(sub.id)).toEqual([
      "subscription.created",
      "subscription.activated",
      "subscription.cancel_scheduled",
      "subscription.cancel_unscheduled",
      "subscription.cancelled",
    ]);
  });

  it("refuses bad bodies", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const cases: Array<[string, unknown]> = [
      ["cancel", {}],
      ["cancel", { at_period_end: "yes" }],
      ["payment-method", { payment_method: "4242424242424242" }],
      ["payment-method", {}],
      ["change-plan", { price: cat.prices.premium }],
      ["change-plan", { price: cat.prices.premium, proration: "later" }],
    ];
    for (const [action, body] of cases) {
      const res = await post(sub.id, action, body);
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(400);
    }
    // The card number is refused before validation even looks at it.
    expect((await post(sub.id, "payment-method", { payment_method: "4242424242424242" })).body.code).toBe(
      "PAYMENT_DATA_FORBIDDEN",
    );
  });

  it("replaces the payment method", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const res = await post(sub.id, "payment-method", { payment_method: "pm_sandbox_declined" });
    expect(res.body).toMatchObject({ payment_method: "pm_sandbox_declined", status: "active" });
    expect(await types(sub.id)).toContain("subscription.payment_method_updated");
  });

  it("upgrades now on the same cycle: charges the new price for the rest of the period minus the credit", async () => {
    const sub = await subscribe(acme.api, cat, {});
    await advance(acme.api, "P10D");
    const res = await post(sub.id, "change-plan", { price: cat.prices.premium, proration: "now" });
    expect(res.status).toBe(200);
    const quote = quoteChange({
      paid: 999,
      newAmount: 1999,
      window: {
        startMs: Date.parse(sub.current_period_start),
        endMs: Date.parse(sub.current_period_end),
        atMs: Date.parse(sub.current_period_start) + 10 * 86_400_000,
      },
      sameCycle: true,
    });
    expect(quote.amount_due).toBeGreaterThan(0);
    expect(res.body).toMatchObject({
      price: cat.prices.premium,
      bundle: cat.bundles.premium,
      period_index: 1,
      current_period_end: sub.current_period_end,
      latest_payment: { kind: "proration", amount: quote.amount_due, status: "succeeded", period_index: 1, attempt: 2 },
    });
    expect(await types(sub.id)).toContain("subscription.plan_changed");
  });

  it("switching to another cycle now starts a new period, charging the full new price minus the credit", async () => {
    const sub = await subscribe(acme.api, cat, {});
    await advance(acme.api, "P5D");
    const res = await post(sub.id, "change-plan", { price: cat.prices.yearly, proration: "now" });
    const at = Date.parse(sub.current_period_start) + 5 * 86_400_000;
    const quote = quoteChange({
      paid: 999,
      newAmount: 9990,
      window: { startMs: Date.parse(sub.current_period_start), endMs: Date.parse(sub.current_period_end), atMs: at },
      sameCycle: false,
    });
    expect(res.body).toMatchObject({
      price: cat.prices.yearly,
      period_index: 2,
      current_period_start: new Date(at).toISOString(),
      current_period_end: addInterval(new Date(at), "year", 1).toISOString(),
      latest_payment: { kind: "proration", amount: quote.amount_due, period_index: 2, attempt: 1 },
    });
    // The old period's renewal is stale: a month later nothing is charged, a year later the yearly price is.
    await advance(acme.api, "P40D");
    expect((await paymentsOf(acme.api, sub.id)).map((p) => p.kind)).toEqual(["subscription_create", "proration"]);
  });

  it("refuses a downgrade now, schedules it for the period end, and can take it back", async () => {
    const sub = await subscribe(acme.api, cat, { price: cat.prices.premium });
    const now = await post(sub.id, "change-plan", { price: cat.prices.monthly, proration: "now" });
    expect(now.status).toBe(400);
    expect(now.body.errors[0]).toMatchObject({ path: "proration" });
    const later = await post(sub.id, "change-plan", { price: cat.prices.monthly, proration: "period_end" });
    expect(later.body.pending_plan_change).toEqual({
      price: cat.prices.monthly,
      bundle: cat.bundles.pro,
      effective_at: sub.current_period_end,
    });
    const undo = await post(sub.id, "change-plan", { price: cat.prices.premium, proration: "period_end" });
    expect(undo.body.pending_plan_change).toBeNull();
    expect(await types(sub.id)).toEqual(
      expect.arrayContaining(["subscription.plan_change_scheduled", "subscription.plan_change_cancelled"]),
    );
    const same = await post(sub.id, "change-plan", { price: cat.prices.premium, proration: "now" });
    expect(same.status).toBe(400);
    const usd = await post(sub.id, "change-plan", { price: cat.prices.usd, proration: "now" });
    expect(usd.body.errors[0]).toMatchObject({ path: "price" });
    const unknown = await post(sub.id, "change-plan", { price: "price_01JNOSUCHPRICE000000000000", proration: "now" });
    expect({ status: unknown.status, path: unknown.body.errors?.[0]?.path }).toEqual({ status: 400, path: "price" });
  });

  it("a declined upgrade answers 402 and leaves the plan as it was", async () => {
    const sub = await subscribe(acme.api, cat, {});
    await post(sub.id, "payment-method", { payment_method: "pm_sandbox_declined" });
    const res = await post(sub.id, "change-plan", { price: cat.prices.premium, proration: "now" });
    expect(res.body).toMatchObject({ status: 402, code: "PAYMENT_FAILED", decline_code: "insufficient_funds" });
    const after = (await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body;
    expect(after).toMatchObject({
      price: cat.prices.monthly,
      status: "active",
      latest_payment: { kind: "proration", status: "failed" },
    });
    expect(await types(sub.id)).not.toContain("subscription.plan_changed");
  });

  it("changes a trial's plan without charging", async () => {
    const sub = await subscribe(acme.api, cat, { price: cat.prices.trial });
    const res = await post(sub.id, "change-plan", { price: cat.prices.premium, proration: "now" });
    expect(res.body).toMatchObject({
      status: "trial",
      price: cat.prices.premium,
      latest_payment: null,
      trial_end: sub.trial_end,
    });
  });

  it("retry is refused while nothing is unpaid", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const res = await post(sub.id, "retry");
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: "INVALID_STATE_TRANSITION" });
  });
});
