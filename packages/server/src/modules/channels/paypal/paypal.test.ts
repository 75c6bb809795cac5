import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testChannel } from "../../../../test/channel-contract.js";
import { ManualClock } from "../../../lib/clock.js";
import type { ChannelSettings, InboundRequest } from "../port.js";
import { payPalChannel } from "./adapter.js";
import { approvalLink } from "./api.js";
import { activeSubscription, saleEvent, subscriptionEvent } from "./events.js";
import { FAKE_PAYPAL_HOST, type FakePayPal, startFakePayPal } from "./fake-paypal.js";
import { PAYPAL_MAPPING } from "./mapping.js";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const clock = new ManualClock(T0);
const fake: FakePayPal = await startFakePayPal({ clock });
const adapter = payPalChannel({ fetch: fake.fetch, clock, trustedRoots: [fake.rootPem] });
const settings: ChannelSettings = {
  config: { api_base_url: FAKE_PAYPAL_HOST },
  credentials: { client_id: fake.clientId, client_secret: fake.clientSecret, webhook_id: fake.webhookId },
};
afterAll(() => fake.close());

const sub = (o: Partial<Parameters<typeof activeSubscription>[0]> = {}) =>
  activeSubscription({
    id: "I-BW452GLLEP1G",
    planId: "P-5ML4271244454362WXNWU5NQ",
    customId: "cus_ext_1",
    start: T0,
    nextBilling: new Date("2026-04-01T10:00:00Z"),
    ...o,
  });

let n = 0;
const eventId = () => `WH-${String(++n).padStart(4, "0")}-4HW09543EX5981234`;

testChannel("paypal", () => ({
  adapter,
  settings,
  sample: () => {
    const id = "WH-SAMPLE-0000-4HW09543EX59812";
    return {
      request: fake.signed(subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id, at: T0 }), { at: T0 }),
      vendorEventIds: [id],
    };
  },
  tampered: (r) => ({ ...r, body: r.body.replace("ACTIVATED", "CANCELLED") }),
  // Another webhook subscription's id: PayPal's signature covers it.
  wronglyKeyed: { ...settings, credentials: { ...settings.credentials, webhook_id: "9XL90610J3647323C" } },
}));

async function verifyOne(request: InboundRequest) {
  const result = await adapter.verify(request, settings);
  if (!result.verified) throw new Error(`refused: ${result.code} ${result.reason}`);
  expect(result.notifications).toHaveLength(1);
  return result.notifications[0]!;
}

describe("paypal: every mapping row from a webhook PayPal would send", () => {
  const cases: Array<[key: string, event: () => Record<string, unknown>]> = [
    [
      "BILLING.SUBSCRIPTION.ACTIVATED",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.ACTIVATED/TRIAL",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub({ trial: true }), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.RE-ACTIVATED",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.RE-ACTIVATED", sub(), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.UPDATED/ACTIVE",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.UPDATED", sub(), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.UPDATED/SUSPENDED",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.UPDATED", sub({ status: "SUSPENDED" }), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.UPDATED/CANCELLED",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.UPDATED", sub({ status: "CANCELLED" }), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.UPDATED/EXPIRED",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.UPDATED", sub({ status: "EXPIRED" }), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.SUSPENDED",
      () =>
        subscriptionEvent("BILLING.SUBSCRIPTION.SUSPENDED", sub({ status: "SUSPENDED" }), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.CANCELLED",
      () =>
        subscriptionEvent("BILLING.SUBSCRIPTION.CANCELLED", sub({ status: "CANCELLED" }), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.EXPIRED",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.EXPIRED", sub({ status: "EXPIRED" }), { id: eventId(), at: T0 }),
    ],
    [
      "BILLING.SUBSCRIPTION.PAYMENT.FAILED",
      () => subscriptionEvent("BILLING.SUBSCRIPTION.PAYMENT.FAILED", sub(), { id: eventId(), at: T0 }),
    ],
    [
      "PAYMENT.SALE.COMPLETED",
      () =>
        saleEvent(
          "PAYMENT.SALE.COMPLETED",
          { id: "80021663DE681814L", subscriptionId: "I-BW452GLLEP1G", amount: { total: "9.99", currency: "USD" } },
          { id: eventId(), at: T0 },
        ),
    ],
    [
      "PAYMENT.SALE.DENIED",
      () =>
        saleEvent(
          "PAYMENT.SALE.DENIED",
          { id: "80021663DE681815L", subscriptionId: "I-BW452GLLEP1G", amount: { total: "9.99", currency: "USD" } },
          { id: eventId(), at: T0 },
        ),
    ],
    [
      "PAYMENT.SALE.REVERSED",
      () =>
        saleEvent(
          "PAYMENT.SALE.REVERSED",
          { id: "80021663DE681816L", subscriptionId: "I-BW452GLLEP1G", amount: { total: "9.99", currency: "USD" } },
          { id: eventId(), at: T0 },
        ),
    ],
  ];
  for (const [key, event] of cases) {
    it(`${key} → ${PAYPAL_MAPPING[key]?.event ?? "no status change"}`, async () => {
      const n = await verifyOne(fake.signed(event(), { at: T0 }));
      expect(n.vendorSubscriptionId).toBe("I-BW452GLLEP1G");
      expect(n.occurredAt).toBe(T0.toISOString());
      expect(adapter.map(n)).toEqual(PAYPAL_MAPPING[key]);
    });
  }

  it("PAYMENT.SALE.REFUNDED → refunded, the subscription found through the refunded sale", async () => {
    fake.sales.set("80021663DE681817L", {
      id: "80021663DE681817L",
      state: "refunded",
      billing_agreement_id: "I-BW452GLLEP1G",
      amount: { total: "9.99", currency: "USD" },
    });
    const event = saleEvent(
      "PAYMENT.SALE.REFUNDED",
      { id: "80021663DE681817L", subscriptionId: null, amount: { total: "9.99", currency: "USD" } },
      { id: eventId(), at: T0 },
    );
    const n = await verifyOne(fake.signed(event, { at: T0 }));
    expect(n.vendorSubscriptionId).toBe("I-BW452GLLEP1G");
    expect(adapter.map(n)).toEqual({ event: "refunded" });
    expect(fake.requests.some((r) => r.path === "/v1/payments/sale/80021663DE681817L")).toBe(true);
  });

  it("the mapping table has a row for each of the issue's event types (CREATED stays out: nothing is granted yet)", async () => {
    const keys = Object.keys(PAYPAL_MAPPING);
    for (const type of [
      "CREATED",
      "ACTIVATED",
      "UPDATED",
      "RE-ACTIVATED",
      "SUSPENDED",
      "CANCELLED",
      "EXPIRED",
      "PAYMENT.FAILED",
    ]) {
      if (type !== "CREATED")
        expect(
          keys.some((k) => k.startsWith(`BILLING.SUBSCRIPTION.${type}`)),
          type,
        ).toBe(true);
    }
    for (const type of ["COMPLETED", "DENIED", "REFUNDED", "REVERSED"]) expect(keys).toContain(`PAYMENT.SALE.${type}`);
    const created = await verifyOne(
      fake.signed(
        subscriptionEvent("BILLING.SUBSCRIPTION.CREATED", sub({ status: "APPROVAL_PENDING" }), {
          id: eventId(),
          at: T0,
        }),
        { at: T0 },
      ),
    );
    expect(adapter.map(created)).toEqual({ event: null });
    // It still names the plan and our customer, which the link and the product map use.
    expect(created).toMatchObject({ productId: "P-5ML4271244454362WXNWU5NQ", customerHint: "cus_ext_1" });
  });

  it("states the paid period from the last payment to the next billing time", async () => {
    const n = await verifyOne(
      fake.signed(subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id: eventId(), at: T0 }), { at: T0 }),
    );
    expect(n.period).toEqual({ start: T0.toISOString(), end: "2026-04-01T10:00:00.000Z" });
  });
});

describe("paypal: verification refusals", () => {
  const event = () => subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id: eventId(), at: T0 });
  const refused = (reason: RegExp) => ({
    verified: false,
    code: "SIGNATURE_REFUSED",
    reason: expect.stringMatching(reason),
  });

  it("refuses a body altered after signing", async () => {
    const r = fake.signed(event(), { at: T0 });
    const altered = { ...r, body: r.body.replace("cus_ext_1", "cus_ext_2") };
    expect(await adapter.verify(altered, settings)).toMatchObject(refused(/does not match/));
  });

  it("refuses a signature made for another webhook id", async () => {
    const r = fake.signed(event(), { at: T0, webhookId: "0000OTHERWEBHOOK" });
    expect(await adapter.verify(r, settings)).toMatchObject(refused(/does not match/));
  });

  it("refuses a certificate with PayPal's name that does not chain to a trusted root", async () => {
    expect(await adapter.verify(fake.signedByForger(event(), T0), settings)).toMatchObject(refused(/trusted root/));
  });

  it("refuses a certificate URL off PayPal's hosts, never fetching it", async () => {
    const before = fake.requests.length;
    for (const certUrl of [
      `${fake.url}/v1/notifications/certs/x`,
      "https://paypal.com.evil.example/cert",
      "http://api.paypal.com/cert",
      "https://api.paypal.com:8443/cert",
    ]) {
      expect(await adapter.verify(fake.signed(event(), { at: T0, certUrl }), settings)).toMatchObject(
        refused(/not a PayPal https URL/),
      );
    }
    expect(fake.requests.length).toBe(before);
  });

  it("refuses a replayed transmission older than PayPal's redelivery window, and one from the future", async () => {
    const old = fake.signed(event(), { at: new Date(T0.getTime() - 4 * 86_400_000) });
    expect(await adapter.verify(old, settings)).toMatchObject(refused(/old, over the tolerance/));
    const future = fake.signed(event(), { at: new Date(T0.getTime() + 3_600_000) });
    expect(await adapter.verify(future, settings)).toMatchObject(refused(/future/));
  });

  it("refuses a delivery without PayPal's headers, and a channel without a webhook id", async () => {
    const { "paypal-transmission-sig": _, ...headers } = fake.signed(event(), { at: T0 }).headers;
    expect(await adapter.verify({ headers, body: "{}" }, settings)).toMatchObject(refused(/missing/));
    const noHook = { ...settings, credentials: { client_id: "x", client_secret: "y" } };
    expect(await adapter.verify(fake.signed(event(), { at: T0 }), noHook)).toMatchObject({
      verified: false,
      code: "NOT_CONFIGURED",
    });
  });

  it("fetches PayPal's certificate once and reuses it", async () => {
    const fresh = payPalChannel({ fetch: fake.fetch, clock, trustedRoots: [fake.rootPem] });
    const fetched = () => fake.requests.filter((r) => r.path.startsWith("/v1/notifications/certs/CERT-")).length;
    const before = fetched();
    for (let i = 0; i < 3; i++)
      expect(await fresh.verify(fake.signed(event(), { at: T0 }), settings)).toMatchObject({ verified: true });
    expect(fetched() - before).toBe(1);
  });
});

describe("paypal: Billing Subscriptions API", () => {
  let created: Awaited<ReturnType<typeof adapter.api.createSubscription>>;
  beforeAll(async () => {
    created = await adapter.api.createSubscription(settings, {
      planId: "P-5ML4271244454362WXNWU5NQ",
      customId: "cus_01TEST",
      returnUrl: "https://merchant.example/paypal/return",
      cancelUrl: "https://merchant.example/paypal/cancel",
      requestId: "sub-create-1",
    });
  });

  it("creates a subscription waiting for approval, with the approval link, over an OAuth2 token", async () => {
    expect(created).toMatchObject({
      status: "APPROVAL_PENDING",
      plan_id: "P-5ML4271244454362WXNWU5NQ",
      custom_id: "cus_01TEST",
    });
    expect(approvalLink(created)).toMatch(
      /^https:\/\/www\.sandbox\.paypal\.com\/webapps\/billing\/subscriptions\?ba_token=BA-/,
    );
    const token = fake.requests.find((r) => r.path === "/v1/oauth2/token")!;
    expect(token.body).toBe("grant_type=client_credentials");
    const post = fake.requests.find((r) => r.path === "/v1/billing/subscriptions" && r.method === "POST")!;
    expect(post.headers["paypal-request-id"]).toBe("sub-create-1");
    expect(JSON.parse(post.body)).toMatchObject({
      plan_id: "P-5ML4271244454362WXNWU5NQ",
      custom_id: "cus_01TEST",
      application_context: {
        return_url: "https://merchant.example/paypal/return",
        cancel_url: "https://merchant.example/paypal/cancel",
      },
    });
  });

  it("a repeat with the same PayPal-Request-Id gives the same subscription; the token is reused", async () => {
    const again = await adapter.api.createSubscription(settings, {
      planId: "P-5ML4271244454362WXNWU5NQ",
      customId: "cus_01TEST",
      returnUrl: "https://merchant.example/paypal/return",
      cancelUrl: "https://merchant.example/paypal/cancel",
      requestId: "sub-create-1",
    });
    expect(again.id).toBe(created.id);
    expect(fake.requests.filter((r) => r.path === "/v1/oauth2/token")).toHaveLength(1);
  });

  it("a plan PayPal does not know is refused as 422 with PayPal's issue", async () => {
    await expect(
      adapter.api.createSubscription(settings, {
        planId: "nope",
        customId: "c",
        returnUrl: "https://m.example/r",
        cancelUrl: "https://m.example/c",
        requestId: "x",
      }),
    ).rejects.toMatchObject({ code: "CHANNEL_VENDOR_REFUSED", status: 422 });
  });

  it("refetches the status, and cancels (204) through the API", async () => {
    fake.subscriptions.set(created.id, { ...sub({ id: created.id }), links: [] });
    const link = { channel: "paypal" as const, vendorSubscriptionId: created.id, storefrontId: "sf_1" };
    expect(await adapter.refetch!(link, settings)).toMatchObject({
      event: "external_renewed",
      observedAt: T0.toISOString(),
      period: { end: "2026-04-01T10:00:00.000Z" },
    });
    await adapter.api.cancelSubscription(settings, created.id, "Customer asked to cancel");
    const cancel = fake.requests.find((r) => r.path === `/v1/billing/subscriptions/${created.id}/cancel`)!;
    expect(JSON.parse(cancel.body)).toEqual({ reason: "Customer asked to cancel" });
    expect(await adapter.refetch!(link, settings)).toMatchObject({ event: "external_cancelled" });
    await expect(adapter.api.cancelSubscription(settings, created.id, "again")).rejects.toMatchObject({
      code: "CHANNEL_VENDOR_REFUSED",
    });
  });

  it("wrong client credentials are refused by PayPal, as a vendor refusal", async () => {
    const wrong = payPalChannel({ fetch: fake.fetch, clock, trustedRoots: [fake.rootPem] });
    await expect(
      wrong.api.getSubscription(
        { ...settings, credentials: { ...settings.credentials, client_secret: "nope" } },
        created.id,
      ),
    ).rejects.toMatchObject({ code: "CHANNEL_VENDOR_REFUSED" });
  });
});
