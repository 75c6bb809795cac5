import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advance,
  type BillingCatalog,
  billingCatalog,
  eventsOf,
  freezeAt,
  newCustomer,
  paymentsOf,
  sandboxCharges,
} from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

describe("creating and reading subscriptions", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  const T0 = "2026-03-10T12:00:00.000Z";

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    await freezeAt(acme.api, T0);
    cat = await billingCatalog(acme.api);
  });
  afterAll(() => ctx.close());

  const create = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const res = await acme.api(
      "POST",
      "/v1/subscriptions",
      { customer, price: cat.prices.monthly, payment_method: "pm_sandbox_ok", ...body },
      headers,
    );
    return { customer, res };
  };

  it("charges the first period at once and starts active, with its events correlated to the request", async () => {
    const { customer, res } = await create({ metadata: { plan: "pro" } }, { "x-request-id": "req-create-1" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: "subscription",
      customer,
      storefront: cat.storefront,
      bundle: cat.bundles.pro,
      price: cat.prices.monthly,
      channel: "direct",
      status: "active",
      period_index: 1,
      current_period_start: T0,
      current_period_end: "2026-04-10T12:00:00.000Z",
      trial_end: null,
      cancel_at_period_end: false,
      payment_method: "pm_sandbox_ok",
      metadata: { plan: "pro" },
      status_history: [{ status: "active", at: T0, reason: "created" }],
      latest_payment: {
        object: "payment",
        status: "succeeded",
        amount: 999,
        currency: "EUR",
        kind: "subscription_create",
        attempt: 1,
      },
    });
    expect(res.body.id).toMatch(/^sub_/);
    expect(res.body.latest_payment.idempotency_key).toBe(`${res.body.id}:p1:a1`);
    const events = await eventsOf(acme.api, res.body.id);
    expect(events.map((e) => e.type)).toEqual(["subscription.created", "subscription.activated"]);
    expect(events.every((e) => e.correlation_id === "req-create-1")).toBe(true);
    const paid = await eventsOf(acme.api, res.body.latest_payment.id);
    expect(paid.map((e) => [e.type, e.correlation_id])).toEqual([["payment.succeeded", "req-create-1"]]);
    expect((await acme.api("GET", `/v1/subscriptions/${res.body.id}`)).body).toEqual(res.body);
  });

  it("starts a trial without charging, from the price or an override", async () => {
    const { res } = await create({ price: cat.prices.trial });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "trial",
      period_index: 0,
      trial_end: "2026-03-24T12:00:00.000Z",
      latest_payment: null,
    });
    expect(res.body.current_period_end).toBe(res.body.trial_end);
    expect((await eventsOf(acme.api, res.body.id)).map((e) => e.type)).toEqual([
      "subscription.created",
      "subscription.trial_started",
    ]);
    expect(await paymentsOf(acme.api, res.body.id)).toEqual([]);
    const short = await create({ price: cat.prices.monthly, trial_days: 3 });
    expect(short.res.body).toMatchObject({ status: "trial", trial_end: "2026-03-13T12:00:00.000Z" });
    const none = await create({ price: cat.prices.trial, trial_days: 0 });
    expect(none.res.body).toMatchObject({ status: "active", latest_payment: { status: "succeeded" } });
  });

  it("a free price starts active without a payment", async () => {
    const { res } = await create({ price: cat.prices.free });
    expect(res.body).toMatchObject({ status: "active", latest_payment: null });
  });

  it.each([
    ["pm_sandbox_declined", "insufficient_funds", true],
    ["pm_sandbox_declined_hard", "stolen_card", false],
    ["pm_unknown_token", "payment_method_unknown", false],
  ])("a declined first charge (%s) answers 402, creates nothing and keeps the attempt", async (pm, code, retryable) => {
    const { customer, res } = await create({ payment_method: pm });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: "PAYMENT_FAILED", decline_code: code, retryable });
    expect((await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data).toEqual([]);
    const payments = await acme.api("GET", `/v1/payments?customer=${customer}`);
    expect(payments.body.data).toEqual([
      expect.objectContaining({
        id: res.body.payment,
        status: "failed",
        failure_code: code,
        subscription: null,
        retryable,
      }),
    ]);
    expect((await eventsOf(acme.api, res.body.payment)).map((e) => e.type)).toEqual(["payment.failed"]);
  });

  it("a timed-out first charge starts the subscription on credit and a job resolves the payment", async () => {
    const { res } = await create({ payment_method: "pm_sandbox_timeout" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "active",
      latest_payment: { status: "pending", provider_reference: null },
    });
    await advance(acme.api, "PT20M");
    const after = (await acme.api("GET", `/v1/subscriptions/${res.body.id}`)).body;
    expect(after).toMatchObject({ status: "active", latest_payment: { status: "succeeded" } });
    expect(after.latest_payment.provider_reference).toMatch(/^ch_sbx_/);
    const types = (await eventsOf(acme.api, res.body.latest_payment.id)).map((e) => e.type);
    expect(types).toEqual(["payment.pending", "payment.succeeded"]);
    expect(await sandboxCharges(ctx, res.body.id)).toHaveLength(1);
  });

  it("replays a create with the same Idempotency-Key instead of charging twice", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const body = { customer, price: cat.prices.monthly, payment_method: "pm_sandbox_ok" };
    const first = await acme.api("POST", "/v1/subscriptions", body, { "idempotency-key": "sub-once" });
    const again = await acme.api("POST", "/v1/subscriptions", body, { "idempotency-key": "sub-once" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
    expect((await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data).toHaveLength(1);
  });

  it("lists by customer and status", async () => {
    const { customer, res } = await create({});
    await create({ price: cat.prices.trial });
    const mine = await acme.api("GET", `/v1/subscriptions?customer=${customer}`);
    expect(mine.body.data.map((s: { id: string }) => s.id)).toEqual([res.body.id]);
    const trials = await acme.api("GET", "/v1/subscriptions?status=trial&limit=100");
    expect(trials.body.data.length).toBeGreaterThan(0);
    expect(trials.body.data.every((s: { status: string }) => s.status === "trial")).toBe(true);
    const page = await acme.api("GET", "/v1/subscriptions?limit=1");
    expect(page.body).toMatchObject({ object: "list", has_more: true });
    expect((await acme.api("GET", "/v1/subscriptions?status=paused")).status).toBe(400);
  });

  it("refuses bad input with field errors", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const post = (body: unknown) => acme.api("POST", "/v1/subscriptions", body);
    const base = { customer, price: cat.prices.monthly, payment_method: "pm_sandbox_ok" };
    const cases: Array<[unknown, number, string, string?]> = [
      [{}, 400, "VALIDATION_FAILED", "customer"],
      [{ ...base, payment_method: "card_4000" }, 400, "VALIDATION_FAILED", "payment_method"],
      [{ ...base, channel: "fax" }, 400, "VALIDATION_FAILED", "channel"],
      [{ ...base, channel: "app_store" }, 422, "CHANNEL_NOT_ENABLED", "channel"],
      [{ ...base, trial_days: -1 }, 400, "VALIDATION_FAILED", "trial_days"],
      [{ ...base, surprise: true }, 400, "VALIDATION_FAILED"],
      [{ ...base, customer: "cus_01JNOTAREALCUSTOMER00000000" }, 400, "VALIDATION_FAILED", "customer"],
      [{ ...base, price: "price_01JNOTAREALPRICE0000000000" }, 400, "VALIDATION_FAILED", "price"],
      [{ ...base, metadata: { card: "4242 4242 4242 4242" } }, 400, "PAYMENT_DATA_FORBIDDEN", "metadata.card"],
      ["[", 400, "INVALID_JSON"],
    ];
    for (const [body, status, code, path] of cases) {
      const res = await post(body);
      expect({ status: res.status, code: res.body.code }, JSON.stringify(body)).toEqual({ status, code });
      if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it("answers 422 for a channel the storefront does not enable, and for a store-managed channel", async () => {
    const app = await acme.api("POST", "/v1/storefronts", {
      key: "ios-only",
      name: "iOS",
      type: "app",
      bundles: [cat.bundles.pro],
      channels: ["app_store"],
      payment_providers: [{ name: "sandbox" }],
    });
    expect(app.status).toBe(201);
    const customer = await newCustomer(acme.api, app.body.id);
    const base = { customer, price: cat.prices.monthly, payment_method: "pm_sandbox_ok" };
    const direct = await acme.api("POST", "/v1/subscriptions", base);
    expect(direct.status).toBe(422);
    expect(direct.body).toMatchObject({ code: "CHANNEL_NOT_ENABLED", errors: [{ path: "channel" }] });
    const store = await acme.api("POST", "/v1/subscriptions", { ...base, channel: "app_store" });
    expect(store.status).toBe(422);
    expect(store.body).toMatchObject({ code: "CHANNEL_MANAGED_EXTERNALLY" });
    // Nothing was charged or created.
    expect((await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data).toEqual([]);
    expect(await sandboxCharges(ctx, "")).not.toContainEqual(expect.objectContaining({ customer }));
  });

  it("refuses a bundle the storefront does not sell, archived prices, and storefronts without a usable provider", async () => {
    const other = await billingCatalog(acme.api);
    const customer = await newCustomer(acme.api, cat.storefront);
    const foreign = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: other.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0]).toMatchObject({ path: "price" });
    const archived = await acme.api("PATCH", `/v1/bundles/${cat.bundles.pro}/prices/${cat.prices.cheap}`, {
      status: "archived",
    });
    expect(archived.status).toBe(200);
    const refused = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.cheap,
      payment_method: "pm_sandbox_ok",
    });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: "OBJECT_ARCHIVED" });

    // A provider name this server has no adapter for (stripe and adyen now have one).
    const bare = await billingCatalog(acme.api, { providers: [{ name: "not_on_this_server" }] });
    const bareCustomer = await newCustomer(acme.api, bare.storefront);
    const none = await acme.api("POST", "/v1/subscriptions", {
      customer: bareCustomer,
      price: bare.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect({ status: none.status, code: none.body.code }).toEqual({ status: 422, code: "UNPROCESSABLE" });
    // A trial postpones the first charge, but it will come: refused now, not at the end of the trial.
    const trial = await acme.api("POST", "/v1/subscriptions", {
      customer: bareCustomer,
      price: bare.prices.trial,
      payment_method: "pm_sandbox_ok",
    });
    expect(trial.status).toBe(422);
    // A free price is never charged, so it needs no provider.
    const free = await acme.api("POST", "/v1/subscriptions", {
      customer: bareCustomer,
      price: bare.prices.free,
      payment_method: "pm_sandbox_ok",
    });
    expect(free.status).toBe(201);
  });

  it("answers 404 for an unknown subscription on every route", async () => {
    const id = "sub_01JNOSUCHSUBSCRIPTION000000";
    const calls: Array<[string, string, unknown?]> = [
      ["GET", `/v1/subscriptions/${id}`],
      ["POST", `/v1/subscriptions/${id}/cancel`, { at_period_end: false }],
      ["POST", `/v1/subscriptions/${id}/resume`],
      ["POST", `/v1/subscriptions/${id}/change-plan`, { price: cat.prices.premium, proration: "now" }],
      ["POST", `/v1/subscriptions/${id}/payment-method`, { payment_method: "pm_sandbox_ok" }],
      ["POST", `/v1/subscriptions/${id}/retry`],
    ];
    for (const [method, path, body] of calls) {
      const res = await acme.api(method, path, body);
      expect({ status: res.status, code: res.body.code }, path).toEqual({ status: 404, code: "NOT_FOUND" });
    }
  });

  it("keeps the records: a customer with subscriptions is not deleted, a subscribed bundle is archived", async () => {
    const { customer } = await create({});
    const del = await acme.api("DELETE", `/v1/customers/${customer}`);
    expect({ status: del.status, code: del.body.code }).toEqual({ status: 409, code: "IN_USE" });
    const declined = await create({ payment_method: "pm_sandbox_declined" });
    expect((await acme.api("DELETE", `/v1/customers/${declined.customer}`)).status).toBe(409);
    // Not sold any more, so only its subscriptions keep it from being deleted.
    expect(
      (await acme.api("PATCH", `/v1/storefronts/${cat.storefront}`, { bundles: [cat.bundles.premium] })).status,
    ).toBe(200);
    const bundle = await acme.api("DELETE", `/v1/bundles/${cat.bundles.pro}`);
    expect(bundle.body).toMatchObject({ deleted: false, archived: true });
    const fresh = await newCustomer(acme.api, cat.storefront);
    expect((await acme.api("DELETE", `/v1/customers/${fresh}`)).status).toBe(200);
  });
});
