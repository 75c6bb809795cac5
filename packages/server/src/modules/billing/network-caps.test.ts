import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advance, billingCatalog, freezeAt, paymentsOf } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext } from "../../../test/harness.js";

/*
 * Card networks cap the reattempts of a declined card (Visa 15, Mastercard 35 per 30 days, the
 * storefront's network_retry_caps): dunning stops charging the card once the cap is reached, and
 * the grace runs out at its deadline as after a hard decline.
 */
describe("network retry caps in dunning", () => {
  let ctx: TestContext;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  /** A subscription on a stored Visa card that pays once, then keeps declining (soft). */
  async function decliningVisa(caps?: Record<string, number>) {
    const tenant = await createTestTenant(ctx, `caps-${++n}`);
    const api = tenant.api;
    await freezeAt(api, "2026-06-01T00:00:00.000Z");
    const cat = await billingCatalog(api, { retryDays: [1, 2, 3] });
    if (caps) {
      const put = await api("PUT", `/v1/storefronts/${cat.storefront}/payment-routing`, { network_retry_caps: caps });
      expect(put.status).toBe(200);
    }
    const cus = await api("POST", "/v1/customers", { storefront: cat.storefront, external_id: `caps-${n}` });
    const pm = await api("POST", `/v1/customers/${cus.body.id}/payment-methods`, {
      providers: [{ name: "sandbox", token: "tok_sandbox_ok_then_decline" }],
    });
    expect(pm.body.brand).toBe("visa");
    const sub = await api("POST", "/v1/subscriptions", {
      customer: cus.body.id,
      price: cat.prices.monthly,
      payment_method: pm.body.id,
    });
    expect(sub.status).toBe(201);
    return { api, sub: sub.body };
  }

  it("stops retrying a Visa card at its cap and suspends at the grace's deadline", async () => {
    const { api, sub } = await decliningVisa({ visa: 1 });
    await advance(api, "P1M");
    await advance(api, "P1D");
    await advance(api, "P1D");
    await advance(api, "P2D");
    const payments = await paymentsOf(api, sub.id);
    // The first charge, the renewal, one reattempt: the cap of one is reached, no more charges.
    expect(payments.map((p) => [p.kind, p.status])).toEqual([
      ["subscription_create", "succeeded"],
      ["renewal", "failed"],
      ["renewal", "failed"],
    ]);
    expect((await api("GET", `/v1/subscriptions/${sub.id}`)).body.status).toBe("suspended");
    const audit = await api("GET", `/v1/audit?action=dunning.network_cap&limit=5`);
    expect(audit.body.data[0]).toMatchObject({ reason: "visa allows 1 reattempts in 30 days; 2 declines: no retry" });
  });

  it("under the default caps every scheduled retry runs", async () => {
    const { api, sub } = await decliningVisa();
    await advance(api, "P1M");
    for (let d = 0; d < 4; d++) await advance(api, "P1D");
    const payments = await paymentsOf(api, sub.id);
    expect(payments.filter((p) => p.status === "failed")).toHaveLength(4);
    expect((await api("GET", `/v1/subscriptions/${sub.id}`)).body.status).toBe("suspended");
  });
});
