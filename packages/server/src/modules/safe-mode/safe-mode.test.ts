import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

const DAY = 24 * 60 * 60_000;

describe("safe mode", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let other: TestTenant;
  let catalog: BillingCatalog;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
    other = await createTestTenant(ctx, "other");
    catalog = await billingCatalog(acme.api);
  });
  afterAll(() => ctx.close());

  const subscribe = async () =>
    acme.api("POST", "/v1/subscriptions", {
      customer: await newCustomer(acme.api, catalog.storefront),
      price: catalog.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
  const renewalJobs = () =>
    ctx.deps.db
      .selectFrom("jobs")
      .select(["status", "attempts", "last_error"])
      .where("environment_id", "=", acme.scopes.development!.environmentId)
      .where("type", "=", "subscription.period_end")
      .where("status", "=", "pending")
      .execute();

  it("holds new charges of the environment: API charges refused, renewals queued, released on exit", async () => {
    const sub = (await subscribe()).body;
    expect(sub.status).toBe("active");
    const paymentsBefore = (await acme.api("GET", "/v1/payments?limit=100")).body.data.length;

    const entered = await acme.api("POST", "/v1/safe-mode", { reason: "acquirer incident" });
    expect(entered.status).toBe(201);
    expect(entered.body).toMatchObject({
      object: "safe_mode",
      provider: null,
      active: true,
      entered_by: { type: "api_key" },
    });
    expect((await acme.api("POST", "/v1/safe-mode", { reason: "twice" })).status).toBe(409);

    const refused = await subscribe();
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("SAFE_MODE_ACTIVE");

    // The renewal falls due: it waits in the queue, its attempts untouched, nothing charged.
    ctx.clock.advance(32 * DAY);
    await ctx.services.worker.drain();
    ctx.clock.advance(DAY);
    await ctx.services.worker.drain();
    const held = await renewalJobs();
    expect(held.length).toBeGreaterThan(0);
    for (const job of held) {
      expect(job.attempts).toBe(0);
      expect(job.last_error).toMatch(/^deferred:safe_mode/);
    }
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body).toMatchObject({
      status: "active",
      period_index: 1,
    });
    expect((await acme.api("GET", "/v1/payments?limit=100")).body.data.length).toBe(paymentsBefore);

    const exited = await acme.api("POST", `/v1/safe-mode/${entered.body.id}/exit`);
    expect(exited.status).toBe(200);
    expect(exited.body).toMatchObject({ active: false, exited_at: expect.any(String) });
    expect(exited.body.released_jobs).toBeGreaterThan(0);
    expect((await acme.api("POST", `/v1/safe-mode/${entered.body.id}/exit`)).status).toBe(409);
    await ctx.services.worker.drain();
    const renewed = (await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body;
    expect(renewed).toMatchObject({ status: "active", period_index: 2 });
    expect(renewed.latest_payment).toMatchObject({ status: "succeeded", amount: 999 });

    const events = (await acme.api("GET", `/v1/events?object_id=${entered.body.id}`)).body.data;
    expect(events.map((e: { type: string }) => e.type).sort()).toEqual(["safe_mode.entered", "safe_mode.exited"]);
    expect((await subscribe()).status).toBe(201);
  });

  it("holds one provider only where it would charge", async () => {
    const stripe = (await acme.api("POST", "/v1/safe-mode", { provider: "stripe", reason: "stripe outage" })).body;
    // The storefront routes to the sandbox: unaffected.
    expect((await subscribe()).status).toBe(201);
    const sandbox = (await acme.api("POST", "/v1/safe-mode", { provider: "sandbox", reason: "drill" })).body;
    expect((await subscribe()).body.code).toBe("SAFE_MODE_ACTIVE");
    const list = (await acme.api("GET", "/v1/safe-mode")).body.data;
    expect(
      list
        .filter((m: { active: boolean }) => m.active)
        .map((m: { provider: string }) => m.provider)
        .sort(),
    ).toEqual(["sandbox", "stripe"]);
    await acme.api("POST", `/v1/safe-mode/${sandbox.id}/exit`);
    await acme.api("POST", `/v1/safe-mode/${stripe.id}/exit`);
    expect((await subscribe()).status).toBe(201);
  });

  it("is the environment's own: another tenant cannot see or lift it", async () => {
    const mode = (await acme.api("POST", "/v1/safe-mode", { reason: "isolation" })).body;
    expect((await other.api("POST", `/v1/safe-mode/${mode.id}/exit`)).status).toBe(404);
    expect((await other.api("GET", "/v1/safe-mode")).body.data).toEqual([]);
    // Other tenants keep charging.
    const theirs = await billingCatalog(other.api);
    const res = await other.api("POST", "/v1/subscriptions", {
      customer: await newCustomer(other.api, theirs.storefront),
      price: theirs.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(res.status).toBe(201);
    expect((await acme.api("POST", "/v1/safe-mode", { reason: "" })).status).toBe(400);
    await acme.api("POST", `/v1/safe-mode/${mode.id}/exit`);
  });
});
