import { Writable } from "node:stream";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, eventsOf, newCustomer } from "../../../test/billing-setup.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { PAYPAL_TEST_PKI } from "../payments/providers/paypal/test-pki.js";
import { activeSubscription, subscriptionEvent } from "./paypal/events.js";
import { type FakePayPal, startFakePayPal } from "./paypal/fake-paypal.js";
import { type FakeAggregator, startFakeAggregator, subscriptionCallback } from "./telecom/fake-aggregator.js";

/*
 * The PayPal and telecom channels through the HTTP API on a real database, as a merchant and the
 * vendors use it: settings, the product map, a flow started from our API, the vendor's signed
 * pushes to the public routes, the subscription and entitlements that follow, the channel actor.
 */

const MSISDN = "+372 5123 4567";
const MSISDN_DIGITS = "37251234567";

describe("vendor channels over HTTP", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let paypal: FakePayPal;
  let aggregator: FakeAggregator;
  const logs: string[] = [];
  const vendor = () => client(ctx, undefined, undefined);

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    ctx = await createTestApp({ logger: pino({ level: "debug" }, sink) });
    paypal = await startFakePayPal({ clock: ctx.clock });
    aggregator = await startFakeAggregator({ clock: ctx.clock });
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    const put = async (path: string, body: unknown) => {
      const res = await acme.api("PUT", path, body);
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    await put(`/v1/storefronts/${cat.storefront}/channels/paypal`, {
      config: {
        api_base_url: paypal.url,
        // Development: PayPal's certificate path is served by the local PayPal, under a test root.
        test_trusted_root: PAYPAL_TEST_PKI.root,
        test_certificate_origin: paypal.url,
      },
      credentials: { client_id: paypal.clientId, client_secret: paypal.clientSecret, webhook_id: paypal.webhookId },
    });
    await put(`/v1/storefronts/${cat.storefront}/channels/paypal/products/P-5ML4271244454362WXNWU5NQ`, {
      price: cat.prices.monthly,
    });
    await put(`/v1/storefronts/${cat.storefront}/channels/telecom`, {
      config: { aggregator: "fortumo", api_base_url: aggregator.url, merchant_id: aggregator.merchantId },
      credentials: {
        private_key: aggregator.merchantPrivateKey,
        aggregator_public_key: aggregator.aggregatorPublicKey,
      },
    });
    await put(`/v1/storefronts/${cat.storefront}/channels/telecom/products/premium-weekly`, {
      price: cat.prices.monthly,
    });
  });
  afterAll(async () => {
    await ctx.close();
    await paypal.close();
    await aggregator.close();
  });

  const drain = () => ctx.services.worker.drain({ environmentId: acme.scopes.development!.environmentId });

  it("refuses PayPal settings without credentials, and test roots in production", async () => {
    const missing = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/paypal`, {
      config: { api_base_url: "https://api-m.paypal.com" },
      credentials: {},
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["credentials.client_id", "credentials.webhook_id"]),
    );
    const prod = acme.as("production");
    const sf = (await billingCatalog(prod)).storefront;
    const res = await prod("PUT", `/v1/storefronts/${sf}/channels/paypal`, {
      config: { api_base_url: "https://api-m.paypal.com", test_trusted_root: "x", test_certificate_origin: "http://x" },
      credentials: { client_id: "a", client_secret: "b", webhook_id: "c" },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
      "config.test_trusted_root",
      "config.test_certificate_origin",
    ]);
  });

  it("PayPal: started from our API, approved at PayPal, activated by webhook → entitled, events by the channel", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const started = await acme.api(
      "POST",
      `/v1/storefronts/${cat.storefront}/channels/paypal/subscriptions`,
      {
        customer,
        plan_id: "P-5ML4271244454362WXNWU5NQ",
        return_url: "https://merchant.example/paypal/return",
        cancel_url: "https://merchant.example/paypal/cancel",
      },
      { "idempotency-key": "start-paypal-1" },
    );
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      status: "APPROVAL_PENDING",
      customer,
      approval_url: expect.stringContaining("ba_token="),
    });
    const id = started.body.vendor_subscription_id as string;
    expect(paypal.requests.find((r) => r.path === "/v1/billing/subscriptions")!.headers["paypal-request-id"]).toBe(
      "start-paypal-1",
    );

    paypal.approve(id);
    // The buyer approves at PayPal; PayPal posts ACTIVATED (custom_id is not even needed: the start linked it).
    const sub = activeSubscription({
      id,
      planId: "P-5ML4271244454362WXNWU5NQ",
      customId: null,
      start: ctx.clock.now(),
      nextBilling: new Date(ctx.clock.now().getTime() + 31 * 86_400_000),
    });
    const hook = paypal.signed(
      subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub, { id: "WH-HTTP-1", at: ctx.clock.now() }),
    );
    const res = await vendor()("POST", `/v1/channels/paypal/${cat.storefront}/webhooks`, hook.body, hook.headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await drain();
    const ours = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data[0];
    expect(ours).toMatchObject({ channel: "paypal", status: "active" });
    expect((await acme.api("GET", `/v1/subscriptions/${ours.id}`)).body.vendor).toMatchObject({
      channel: "paypal",
      vendor_subscription_id: id,
    });
    const token = await acme.api("POST", `/v1/customers/${customer}/entitlements/token`, {});
    expect(token.status).toBe(200);
    expect(token.body.claims?.subscriptions ?? token.body.token).toBeTruthy();
    const created = (await eventsOf(acme.api, ours.id)).find((e) => e.type === "subscription.created");
    expect(created.actor).toEqual({ type: "channel", id: "paypal" });

    // Cancelled through our API at PayPal; the CANCELLED webhook ends ours.
    const cancel = await acme.api(
      "POST",
      `/v1/storefronts/${cat.storefront}/channels/paypal/subscriptions/${id}/cancel`,
      { reason: "Customer asked" },
    );
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    const gone = paypal.signed(
      subscriptionEvent(
        "BILLING.SUBSCRIPTION.CANCELLED",
        { ...sub, status: "CANCELLED" },
        { id: "WH-HTTP-2", at: new Date(ctx.clock.now().getTime() + 1000) },
      ),
    );
    expect(
      (await vendor()("POST", `/v1/channels/paypal/${cat.storefront}/webhooks`, gone.body, gone.headers)).status,
    ).toBe(200);
    await drain();
    expect((await acme.api("GET", `/v1/subscriptions/${ours.id}`)).body.status).toBe("cancelled");
    expect((await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body.subscriptions).toEqual([]);
  });

  it("PayPal: a forged or altered webhook is refused 401 with a clear problem", async () => {
    const event = subscriptionEvent(
      "BILLING.SUBSCRIPTION.ACTIVATED",
      activeSubscription({
        id: "I-X",
        planId: "P-1",
        customId: null,
        start: ctx.clock.now(),
        nextBilling: ctx.clock.now(),
      }),
      { id: "WH-FORGED", at: ctx.clock.now() },
    );
    const forged = paypal.signedByForger(event, ctx.clock.now());
    const res = await vendor()("POST", `/v1/channels/paypal/${cat.storefront}/webhooks`, forged.body, forged.headers);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      code: "CHANNEL_NOTIFICATION_REFUSED",
      detail: expect.stringMatching(/trusted root/),
    });
    const ok = paypal.signed(event);
    const altered = await vendor()(
      "POST",
      `/v1/channels/paypal/${cat.storefront}/webhooks`,
      ok.body.replace("I-X", "I-Y"),
      ok.headers,
    );
    expect(altered.status).toBe(401);
  });

  it("telecom: PIN authorisation from our API, callbacks drive trial → grace → suspended → cancelled by SMS STOP", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const started = await acme.api("POST", `/v1/storefronts/${cat.storefront}/channels/telecom/authorisations`, {
      customer,
      product: "premium-weekly",
      flow: "pin",
      msisdn: MSISDN,
      country: "EE",
      channel_code: "sandbox-ee",
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ state: "pending", msisdn: "+37*******67" });
    const token = started.body.charging_token as string;
    const ref = started.body.operation_reference as string;
    expect(aggregator.authorisations.get(token)!.msisdn).toBe(MSISDN_DIGITS);
    const pin = await acme.api(
      "POST",
      `/v1/storefronts/${cat.storefront}/channels/telecom/authorisations/${encodeURIComponent(token)}/pin`,
      {
        pin: aggregator.authorisations.get(token)!.pin,
      },
    );
    expect(pin.body).toMatchObject({ state: "verified" });

    const t = (minutes: number) => new Date(ctx.clock.now().getTime() + minutes * 60_000);
    const post = async (status: string, billing: string | undefined, at: Date, extra: Record<string, unknown> = {}) => {
      const body = {
        ...subscriptionCallback({
          reference: ref,
          status,
          ...(billing && { billing }),
          at,
          merchantId: aggregator.merchantId,
        }),
        ...extra,
      };
      const signed = await aggregator.signedCallback(body);
      const res = await vendor()(
        "POST",
        `/v1/channels/telecom/${cat.storefront}/callbacks`,
        signed.body,
        signed.headers,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await drain();
      const list = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data;
      const ent = (await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body;
      return { status: list[0]?.status as string | undefined, entitled: ent.subscriptions.length > 0, id: list[0]?.id };
    };
    expect(await post("active", "free", t(0))).toMatchObject({ status: "trial", entitled: true });
    expect(await post("active", "failed", t(1))).toMatchObject({ status: "grace", entitled: true });
    expect(await post("suspended", "failed", t(2))).toMatchObject({ status: "suspended", entitled: false });
    expect(await post("active", "partially_charged", t(3))).toMatchObject({ status: "active", entitled: true });
    const last = await post("cancelled", "charged", t(4), { action: "sms_stop" });
    expect(last).toMatchObject({ status: "cancelled", entitled: false });
    const created = (await eventsOf(acme.api, last.id!)).find((e) => e.type === "subscription.created");
    expect(created.actor).toEqual({ type: "channel", id: "telecom" });

    // A replay of an old callback after its token expired is refused.
    const old = await aggregator.signedCallback(
      subscriptionCallback({
        reference: ref,
        status: "active",
        billing: "charged",
        at: t(5),
        merchantId: aggregator.merchantId,
      }),
      new Date(ctx.clock.now().getTime() - 3_600_000),
    );
    const replay = await vendor()("POST", `/v1/channels/telecom/${cat.storefront}/callbacks`, old.body, old.headers);
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toMatch(/^EXPIRED/);
  });

  it("a phone number that passes Luhn is not taken for a card number; a card number elsewhere still is", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const body = { customer, product: "premium-weekly", flow: "pin", country: "DE", channel_code: "sandbox-de" };
    // 4915112345678 passes Luhn, like one phone number in ten.
    const phone = await acme.api("POST", `/v1/storefronts/${cat.storefront}/channels/telecom/authorisations`, {
      ...body,
      msisdn: "+49 1511 2345678",
    });
    expect(phone.status, JSON.stringify(phone.body)).toBe(201);
    const card = await acme.api("POST", `/v1/storefronts/${cat.storefront}/channels/telecom/authorisations`, {
      ...body,
      product: "4242 4242 4242 4242",
      msisdn: "+49 1511 2345678",
    });
    expect(card.status).toBe(400);
    expect(card.body).toMatchObject({ code: "PAYMENT_DATA_FORBIDDEN", errors: [{ path: "product" }] });
  });

  it("no table and no log line holds the phone number", async () => {
    const db = ctx.deps.db;
    const tables = await db.introspection.getTables();
    let scanned = 0;
    for (const table of tables) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(db);
      const text = JSON.stringify(rows.rows);
      scanned += rows.rows.length;
      for (const digits of [MSISDN_DIGITS, "5123 4567", "4915112345678", "1511 2345678"])
        expect(text.includes(digits), `${table.name} holds ${digits}`).toBe(false);
    }
    expect(scanned).toBeGreaterThan(0);
    expect(logs.length).toBeGreaterThan(0);
    for (const digits of [MSISDN_DIGITS, "5123 4567", "4915112345678", "1511 2345678"])
      expect(logs.some((l) => l.includes(digits))).toBe(false);
  });
});
